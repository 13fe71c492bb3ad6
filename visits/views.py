from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def check_in(request: HttpRequest) -> HttpResponse:
    # Placeholder until the check-in page lands.
    return render(request, "base.html")
