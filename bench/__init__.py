"""kopilot's benchmark: convergence time, AWS call economy, memory and start time at scale,
measured side by side with a raw-boto3 floor against the local world. See bench/README.md."""
