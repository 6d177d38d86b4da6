"""The WSGI application `bench load` serves: the checkout's site, and beside it in the same
process a bare Django view at BARE_PATH (no middleware, no authentication, no database),
the floor every endpoint's server time is compared with.

Its folder is put on gunicorn's --pythonpath and the checkout under test is the working
directory, so the same file serves this checkout and the one the bench compares against.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import JsonResponse
from django.urls import path

from movierec.wsgi import application as site

BARE_PATH = "/bare/"


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare)]


class BareHandler(WSGIHandler):
    """Django's own request handling (URL resolution, the view, the response) with an empty
    MIDDLEWARE, routed by this module's urlpatterns."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        respond = convert_exception_to_response(self._get_response)

        def routed(request):
            request.urlconf = __name__
            return respond(request)

        self._middleware_chain = routed


_bare = BareHandler()


def application(environ, start_response):
    handler = _bare if environ.get("PATH_INFO") == BARE_PATH else site
    return handler(environ, start_response)
