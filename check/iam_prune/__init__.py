"""iam-prune: find unused AWS IAM users and the Terraform change that retires them."""

__version__ = "0.1.0"


def console() -> None:
    """The ``iam-prune`` console script.

    It lives here, importing the command line only when called, because the parse workers are
    spawned processes and a spawned process runs the parent's main script again: a script that
    imported the command line at its top cost each worker half a second of imports (boto3,
    the report formats) before its first parse, on the run's critical path.
    """
    from iam_prune.cli import console as run

    run()
