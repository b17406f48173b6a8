//go:build !linux

package main

// useLazyFree does nothing outside Linux (see reexec_linux.go).
func useLazyFree() {}
