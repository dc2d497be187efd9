"""The JSON calls the benchmarks' setup scripts make."""
import json
import urllib.request


def client(url):
    """`call(method, path, body=None, token=None, content_type=…)` against `url`; the answer's JSON."""
    def call(method, path, body=None, token=None, content_type="application/json"):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None
    return call
