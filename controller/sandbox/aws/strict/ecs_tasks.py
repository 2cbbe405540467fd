"""Strict rules of ECS's task and service listings: ListTasks, ListServices, DescribeTasks."""

from __future__ import annotations

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
TESTS = "tests/aws/strict/test_ecs_tasks.py"
# ListTasks.maxResults and ListServices.maxResults: "This value can be between 1 and 100."
# botocore's model gives no range, so the request reaches AWS.
LIST_PAGE = (1, 100)
# DescribeTasks.tasks: "A list of up to 100 task IDs or full ARN entries."
DESCRIBE_TASKS_MOST = 100


@rule(
    "ecs.list-max-results",
    operations=("ecs:ListTasks", "ecs:ListServices"),
    code="InvalidParameterException",
    summary="`maxResults` of ListTasks and ListServices is between 1 and 100.",
    source=f"{API}/API_ListTasks.html#ECS-ListTasks-request-maxResults",
    test=f"{TESTS}::test_a_listing_page_is_1_to_100",
)
def _list_max_results(request: Request) -> str | None:
    size = request.get("maxResults")
    low, high = LIST_PAGE
    if size is None or (isinstance(size, int) and low <= size <= high):
        return None
    return f"maxResults must be between {low} and {high}."


@rule(
    "ecs.describe-tasks-count",
    operations=("ecs:DescribeTasks",),
    code="InvalidParameterException",
    summary="DescribeTasks takes 1 to 100 tasks.",
    source=f"{API}/API_DescribeTasks.html#ECS-DescribeTasks-request-tasks",
    test=f"{TESTS}::test_describe_tasks_takes_1_to_100",
)
def _describe_tasks_count(request: Request) -> str | None:
    tasks = request.get("tasks") or []
    if not tasks:
        return "Tasks cannot be empty."
    if len(tasks) > DESCRIBE_TASKS_MOST:
        return f"Tasks can have at most {DESCRIBE_TASKS_MOST} items."
    return None


@rule(
    "ecs.list-tasks-service",
    operations=("ecs:ListTasks",),
    code="ServiceNotFoundException",
    summary="ListTasks' `serviceName` names a service of the cluster.",
    source=f"{API}/API_ListTasks.html#API_ListTasks_Errors",
    test=f"{TESTS}::test_list_tasks_of_an_unknown_service_is_service_not_found",
)
def _list_tasks_service(request: Request) -> str | None:
    name = request.get("serviceName")
    if name is None:
        return None
    try:
        cluster = request.ecs._get_cluster(request.get("cluster") or "default")
    except Exception:  # an unknown cluster is the handler's ClusterNotFoundException
        return None
    known = any(
        service.cluster_name == cluster.name and service.name == name
        for service in request.ecs.services.values()
    )
    return None if known else "Service not found."
