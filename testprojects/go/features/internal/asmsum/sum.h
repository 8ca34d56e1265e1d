// Included by the assembly from the package's own directory.
#define SUM_FRAME $0-24
