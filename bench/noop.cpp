// berth-bench-noop: a static binary that does nothing. Its fork + exec + wait4 is the exec
// floor: what any plugin costs before it does any work.
int main() { return 0; }
