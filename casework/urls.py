"""The desk's URLconf (mounted at /desk/, namespace ``casework``): every feature's pages.
The API routes are in ``casework.urls_api``."""

from casework.cases import urls as cases
from casework.clocks import urls as clocks
from casework.data_protection import urls as data_protection
from casework.duplicates import urls as duplicates
from casework.enquiry import urls as enquiry
from casework.factors import urls as factors
from casework.guidance import urls as guidance
from casework.history import urls as history
from casework.home import urls as home
from casework.imports import urls as imports
from casework.letters import urls as letters
from casework.mail import urls as mail
from casework.notices import urls as notices
from casework.presence import urls as presence
from casework.publishing import urls as publishing
from casework.queue import urls as queue
from casework.saved_views import urls as saved_views
from casework.search import urls as search
from casework.service_levels import urls as service_levels
from casework.sessions import urls as sessions
from casework.snippets import urls as snippets
from casework.styleguide import urls as styleguide
from casework.tokens import urls as tokens
from casework.webhooks import urls as webhooks
from casework.workspace import urls as workspace

app_name = "casework"

urlpatterns = [
    *queue.urlpatterns,
    *home.urlpatterns,
    *presence.urlpatterns,
    *notices.urlpatterns,
    *enquiry.urlpatterns,
    *history.urlpatterns,
    *publishing.urlpatterns,
    *workspace.urlpatterns,
    *clocks.urlpatterns,
    *cases.urlpatterns,
    *service_levels.urlpatterns,
    *sessions.urlpatterns,
    *factors.urlpatterns,
    *letters.urlpatterns,
    *mail.urlpatterns,
    *data_protection.urlpatterns,
    *tokens.urlpatterns,
    *guidance.urlpatterns,
    *snippets.urlpatterns,
    *search.urlpatterns,
    *saved_views.urlpatterns,
    *webhooks.urlpatterns,
    *imports.urlpatterns,
    *duplicates.urlpatterns,
    *styleguide.urlpatterns,
]
