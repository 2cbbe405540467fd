"""One client per AWS resource kopilot manages (see reconcile.lifecycle).

A client talks to AWS for one resource of one object's pass: observe, create, update, tag,
delete, and what status must keep of it. It decides nothing about ownership, adoption,
deletion policy or retries; the lifecycle and the engine do, once for all of them.
"""
