package storage

import (
	"errors"

	"github.com/omadata/omadata/graph/model"
)

// MaxBatch is the largest batch a service mutation accepts.
const MaxBatch = 1000

// CheckBatch refuses an empty or oversized batch as a whole.
func CheckBatch(n int) error {
	if n == 0 {
		return model.InputErrorf("input", "the batch is empty")
	}
	if n > MaxBatch {
		return model.InputErrorf("input", "the batch has %d items; at most %d are accepted", n, MaxBatch)
	}
	return nil
}

// rejections collects the items of a batch that are not applied, each with
// its index, code and message. Items are independent: one item's rejection
// never stops the others.
type rejections struct {
	list []model.Rejection
	bad  map[int]bool
}

func newRejections() *rejections { return &rejections{bad: map[int]bool{}} }

// add rejects item i with err's code and message.
func (r *rejections) add(i int, err error) {
	if r.bad[i] {
		return
	}
	r.bad[i] = true
	r.list = append(r.list, model.Rejection{Index: i, Code: model.ErrorCode(err), Message: model.ErrorMessage(err)})
}

// ok reports whether item i is still to be applied.
func (r *rejections) ok(i int) bool { return !r.bad[i] }

// upsertResult reports n items with the collected rejections.
func (r *rejections) upsertResult(n int) *model.UpsertResult {
	sortRejections(r.list)
	return &model.UpsertResult{Upserted: n - len(r.list), Rejected: len(r.list), Rejections: nonNil(r.list)}
}

func sortRejections(l []model.Rejection) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Index < l[j-1].Index; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// isDomain reports whether err is a domain error (a rejection) rather than
// a failure of the database.
func isDomain(err error) bool {
	var e *model.Error
	return errors.As(err, &e)
}
