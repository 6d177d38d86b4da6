"""DRF's browsable API under the site's Content-Security-Policy (CONTENT_SECURITY_POLICY)."""

from csp.constants import SELF, UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


class StrictScriptBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API, allowed inline styles on its own pages only.

    DRF's templates style elements with style attributes and Pygments' <style> block, which
    the site's policy refuses. Scripts stay as strict as everywhere: DRF's are files.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # What django-csp's @csp_replace sets; a nonce would make browsers ignore
            # 'unsafe-inline', so this directive replaces the whole style-src.
            response._csp_replace = {"style-src": [SELF, UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
