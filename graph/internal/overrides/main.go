// Command overrides runs after gqlgen (graph/doc.go): in the generated
// executable schema it points the calls of a few generated functions at the
// hand-written ones that replace them (graph/fastpath.go and
// graph/fastpath_inputs.go say why), which
// call the generated function as their fallback. Definitions keep their
// names, so gqlgen's own check of the package, before this step, compiles.
//
// It fails when a name is not called, so a schema change that renames one
// breaks generation instead of silently dropping the override.
package main

import (
	"fmt"
	"os"
	"strings"
)

// overridden maps generated functions to the hand-written ones that
// replace them at their call sites.
var overridden = map[string]string{
	"marshalOReceiptLine2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐReceiptLineᚄ":         "fastReceiptLines",
	"marshalOCategoryInsight2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐCategoryInsightᚄ": "fastCategoryInsights",
	"marshalOMonthInsight2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐMonthInsightᚄ":       "fastMonthInsights",
	"unmarshalNReceiptInput2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐReceiptInputᚄ":     "fastReceiptInputs",
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: overrides GENERATED_FILE")
		os.Exit(2)
	}
	if err := rename(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "overrides:", err)
		os.Exit(1)
	}
}

func rename(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out := string(src)
	for generated, replacement := range overridden {
		call := "ec." + generated + "("
		if !strings.Contains(out, call) {
			return fmt.Errorf("%s: %s is never called", path, generated)
		}
		out = strings.ReplaceAll(out, call, "ec."+replacement+"(")
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
