//go:build premium

package main

const edition = "premium"
