"""`kubectl kopilot`: day-2 views of kopilot's services from kubectl, as AWS Copilot's
`svc status`, `svc show`, `svc logs` and `ls` give them: the Kubernetes objects of the current
context beside what ECS and CloudWatch Logs say about them.

cli.py parses and prints, commands.py gathers each command's document, kube.py reads the
objects, aws.py the AWS side, tables.py lays the documents out as text.
"""
