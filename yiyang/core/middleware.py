import uuid

from yiyang.core.context import RequestContext, client_ip, current_request


class RequestContextMiddleware:
    """Stamp each request with an id and expose it to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = current_request.set(RequestContext(request.id, client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.id
        return response
