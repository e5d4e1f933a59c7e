// Package jsoninput decodes the input objects of large GraphQL variables
// straight from their JSON into the Go types gqlgen generates for them.
//
// A batch of 100 receipts of 20 lines is some 20,000 JSON values. The
// generic path decodes them into maps of interfaces (encoding/json), then
// gqlparser checks each one against its type by reflection (formatting
// every Int with fmt to parse it back), then gqlgen's generated code copies
// each into its struct. Over an ingest benchmark that was about three
// quarters of the Go CPU of the server (docs/performance.md). This package
// does the three in one pass.
//
// It only accepts what it understands completely. Anything else (an
// unknown or repeated field, a missing one, a null where none is allowed,
// a number that is not an exact integer, a string where a number belongs
// or the reverse, an escaped key, an enum value in the wrong case, a
// single object where a list belongs) makes it decline, and the caller
// takes the generic path, which accepts or refuses the value in its own
// words. So for what it accepts it returns exactly what the generic path
// would (FuzzReceiptInputs in package graph checks that against the
// generated code), and for the rest nothing changes.
package jsoninput
