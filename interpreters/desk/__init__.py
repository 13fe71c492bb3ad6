"""The officer's desk: today's queue, one visit's page, the interpreter request and cancel buttons,
the outcome (page and API /api/v1/visits/{id}/outcome/) and closing the visit.

It lives on the interpreters side because it works on a visit and its bookings together; ``visits``
never imports it. Pages: ``views.py`` (routed by ``urls.py``, namespace ``interpreters``); API:
``apis.py`` (routed from ``interpreters/api_urls.py``); write actions: ``services.py``; forms:
``forms.py``."""
