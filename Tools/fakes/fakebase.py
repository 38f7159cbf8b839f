"""What every loopback platform fake shares: a JSON answering handler, scriptable faults, and a
ledger of what the client did that the tests assert on (runs per idempotency key, most runs in
flight at once, starts per window, requests that came before a Retry-After elapsed).

Faults are a list of rules, set at start (config "faults") or by POST /_fake/faults, each
{"kind": K, "count": N, "match": "<path substring>", ...}, consumed in order as requests match:
  throttle  answer 429 with Retry-After "seconds" (default) or "date" (the HTTP-date form): "retry_after": S, "form"
  unavailable  answer 503 with Retry-After (same keys)
  error     answer "status" (default 500) with a JSON error body
  lose      do the work, then drop the connection without an answer (a lost submit answer)
  expire    refuse the request's bearer token with 401 as if it had expired (the client must fetch a new one)
GET /_fake/stats returns the ledger; POST /_fake/faults replaces the rules.
"""
import email.utils
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.RLock()


class Ledger:
    def __init__(self):
        self.requests = 0
        self.by_route = {}
        self.throttles = []     # (answered_at, not_before)
        self.violations = []    # arrival times of requests inside a throttle's pause
        self.faults_used = {}

    def arrive(self, route, client, counted=True):
        now = time.time()
        with lock:
            self.requests += 1
            self.by_route[route] = self.by_route.get(route, 0) + 1
            for answered, not_before, throttled in (self.throttles if counted else []):
                # Only the process that got the 429 can know of it (one killed before it recorded
                # the pause leaves none behind that does), and a request already on its way when
                # the 429 went out is not its fault: only the second half of the pause counts.
                if client == throttled and answered + (not_before - answered) / 2 < now < not_before:
                    self.violations.append((now, route))
        return now

    def stats(self):
        with lock:
            return {"requests": self.requests, "by_route": dict(self.by_route), "throttles": len(self.throttles),
                    "violations": len(self.violations), "violating": [route for _, route in self.violations[:10]],
                    "faults_used": dict(self.faults_used)}


ledger = Ledger()
rules = []


def set_rules(new):
    with lock:
        rules[:] = [dict(rule) for rule in new]


def take_fault(path):
    """The first rule matching this request's path with uses left, consumed; or None."""
    with lock:
        for rule in rules:
            if rule.get("count", 1) > 0 and rule.get("match", "") in path:
                rule["count"] = rule.get("count", 1) - 1
                kind = rule["kind"]
                ledger.faults_used[kind] = ledger.faults_used.get(kind, 0) + 1
                return rule
    return None


def timeline_state(created, timeline, terminal, now):
    """Where a run on `timeline` ([[state, ms], ...]) is at `now`: one of its states, or
    `terminal` once they have all passed."""
    elapsed = (now - created) * 1000
    for state, ms in timeline:
        if elapsed < ms:
            return state
        elapsed -= ms
    return terminal


def timeline_end(created, timeline):
    """When a run on `timeline` ends (or None while it has not)."""
    end = created + sum(ms for _, ms in timeline) / 1000.0
    return end if end <= time.time() else None


def interval_overlap_max(intervals):
    """Most intervals (start, end or None) open at one moment."""
    points = []
    now = time.time()
    for start, end in intervals:
        points.append((start, 1))
        points.append((end if end is not None else now, -1))
    points.sort(key=lambda p: (p[0], p[1]))
    best = current = 0
    for _, step in points:
        current += step
        best = max(best, current)
    return best


def starts_in_window_max(starts, window):
    starts = sorted(starts)
    best = 0
    first = 0
    for last in range(len(starts)):
        while starts[last] - starts[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes = []  # (method, path or prefix ending in /, function) filled by each fake
    token_paths = ("/oidc/", "/oauth2/", "/auth/token")

    def log_message(self, *args):
        pass

    def answer(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body_bytes(self):
        if not hasattr(self, "_body"):
            length = int(self.headers.get("Content-Length") or 0)
            self._body = self.rfile.read(length) if length else b""
        return self._body

    def json_body(self):
        try:
            return json.loads(self.body_bytes() or b"{}")
        except ValueError:
            return None

    def client(self):
        """Which process sent the request (Baton's User-Agent names its pid)."""
        return self.headers.get("User-Agent", "")

    def bearer(self):
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def drop(self):
        """Closes the connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def throttle(self, rule, status):
        pause = float(rule.get("retry_after", 2))
        now = time.time()
        if rule.get("form") == "date":
            # HTTP-dates have whole seconds: round up so the pause is never shorter than asked.
            not_before = int(now + pause) + 1
            value = email.utils.formatdate(not_before, usegmt=True)
        else:
            not_before = now + pause
            value = str(int(pause))
        with lock:
            ledger.throttles.append((now, not_before, self.client()))
        self.answer(status, self.error_body(status, "slow down"), {"Retry-After": value})

    def error_body(self, status, message):
        return {"error": message}

    def handle_request(self, method):
        # Read the whole body first: on a kept-alive connection unread bytes would be parsed as
        # the next request. One handler serves every request of its connection: forget the last body.
        self.__dict__.pop("_body", None)
        self.body_bytes()
        url = urllib.parse.urlsplit(self.path)
        self.query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/_fake/stats" and method == "GET":
            return self.answer(200, self.stats())
        if url.path == "/_fake/faults" and method == "POST":
            set_rules(self.json_body() or [])
            return self.answer(200, {})
        # Token endpoints are not the API a Retry-After paused.
        ledger.arrive("%s %s" % (method, url.path), self.client(), counted=not any(part in url.path for part in self.token_paths))
        rule = take_fault(url.path)
        if rule is not None:
            kind = rule["kind"]
            if kind == "throttle":
                return self.throttle(rule, 429)
            if kind == "unavailable":
                return self.throttle(rule, 503)
            if kind == "error":
                status = rule.get("status", 500)
                return self.answer(status, self.error_body(status, "injected failure"))
            if kind == "expire" and self.bearer() is not None:
                self.expire(self.bearer())
        for route_method, prefix, function in self.routes:
            if route_method == method and (url.path == prefix or (prefix.endswith("/") and url.path.startswith(prefix))):
                result = function(self, url.path)
                if rule is not None and rule["kind"] == "lose":
                    return self.drop()
                if result is not None:
                    self.answer(*result)
                return
        self.answer(404, self.error_body(404, "no route %s %s" % (method, url.path)))

    def expire(self, token):
        pass

    def stats(self):
        return ledger.stats()

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def do_PATCH(self):
        self.handle_request("PATCH")

    def do_DELETE(self):
        self.handle_request("DELETE")


class Server(ThreadingHTTPServer):
    # Python's default listen backlog is 5: a fan-out of submits on fresh connections would be
    # reset by the fake itself rather than by anything it is scripted to do.
    request_queue_size = 1024
    daemon_threads = True


def serve(handler):
    server = Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()
