//go:build !linux

package scene

func exchange(a, b string) error { return exchangeRenames(a, b) }
