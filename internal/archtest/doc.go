// Package archtest holds tests that guard iamd's architecture: which packages may import what, and that every
// package says what it is for.
package archtest
