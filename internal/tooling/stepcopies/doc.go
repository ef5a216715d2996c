// Package stepcopies checks the code that every step copies forward.
//
// Each step is a complete program, so each one holds its own copy of the
// plumbing: serve.go, the request logger's test, main, and a few small
// declarations. The test keeps those copies equal from step to step. A copy
// may differ only where a lesson says why, and the test's table names each
// such difference with its reason. The course's own tooling; nothing here
// stands in for a published package.
package stepcopies
