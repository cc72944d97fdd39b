from django.http import HttpResponse


class HealthCheckMiddleware:
    """Answer /healthz before any other middleware runs.

    Health checkers (e.g. Nomad) address the task by IP:port, a Host that
    ALLOWED_HOSTS rightly rejects, and probe over plain HTTP, which an
    SSL redirect would turn into a 301. Answering first sidesteps both and
    guarantees the check never touches the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)
