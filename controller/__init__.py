"""kopilot: AWS Copilot's apps, environments and connected services as Kubernetes resources."""

__version__ = "0.1.0"
