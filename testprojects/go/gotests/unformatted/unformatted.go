// Package unformatted is valid Go that gofmt would rewrite: spaces for indentation, no spaces around :=.
package unformatted

func Clamp(n, low, high int) int {
    if n < low {
        return low
    }
    if n>high { return high }
    result:=n
    return result
}
