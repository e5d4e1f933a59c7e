package server_test

import (
	"testing"

	"github.com/omadata/omadata/storage/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
