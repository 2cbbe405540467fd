"""Thin boto3 gateways: no decisions here, only calls, batching and pagination."""
