package resolvers

import "github.com/omadata/omadata/graph/model"

// notYet is the answer of a capability that is still being built: an
// error, never a made-up value.
func notYet(what string) error {
	return model.Errorf(model.Internal, "%s is not available yet", what)
}
