"""The office's robustness analysis of a cycle's result, run in the background, and the
board's page of the published one."""
