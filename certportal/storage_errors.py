"""Object storage failures that are worth retrying later, as one exception type the tasks can retry on.

botocore's connection and timeout errors are not OSError subclasses, so a task that retries on OSError (as ours do
for a local disk) would give up at the first S3 outage. Wrapping the storage calls maps them to StorageUnavailable.
"""

from contextlib import contextmanager

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError


class StorageUnavailable(OSError):
    """The object storage did not answer, or answered with a server error (5xx): try again later."""


@contextmanager
def transient_storage_errors():
    """Raise StorageUnavailable for outages; permanent errors (403, 404, a missing bucket) pass through."""
    try:
        yield
    except (BotoConnectionError, HTTPClientError) as error:
        raise StorageUnavailable(str(error)) from error
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise StorageUnavailable(str(error)) from error
        raise
