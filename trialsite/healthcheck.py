"""The container's health probe: ``python -m trialsite.healthcheck`` exits 0 when healthy.

Asks ``/healthz`` on this machine with the standard library only (the image has no curl).
``HEALTHCHECK_URL`` overrides the address; the default uses ``PORT`` (8000).
"""

import os
import sys
import urllib.error
import urllib.request


def main():
    url = os.environ.get(
        "HEALTHCHECK_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    )
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local address)
            body = response.read().decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode("utf-8", "replace"), error.code
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    print(f"{status} {body}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
