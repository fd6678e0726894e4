"""The audit record: hash chains, checkpoints, verification, replay, history, exports, read and login logs."""
