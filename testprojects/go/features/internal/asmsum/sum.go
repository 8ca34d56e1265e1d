// Package asmsum is implemented in assembly where it can be: the build must assemble, pack and
// link it exactly as `go build` does (symabis, go_asm.h, a local header, the target's -D defines).
package asmsum

// Bias is exported to the assembly through go_asm.h (as const_Bias).
const Bias = 0
