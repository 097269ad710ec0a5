"""The teacher's page: an overview of the course they launched from (placements, progress, gradebook)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask import session as browser_session

from service.errors import ForbiddenError
from service.i18n_markers import N_
from service.operations import courses
from service.web import current_db
from service.web.auth import login_required, now, signed_in_person

bp = Blueprint("teacher", __name__, url_prefix="/docent")

#: our id of the course a teacher (Instructor) launched from; set by the launch, cleared by any sign-in
TEACHER_COURSE_KEY = "lti_teacher_course"


@bp.get("/cursus/<int:course_id>")
@login_required
def course(course_id: int):
    """Per placement: who took the digi-toets, completed or not, and the score for the gradebook."""
    with current_db().begin() as session:
        person = signed_in_person(session)
        if person is None:
            raise ForbiddenError(N_("Open Digitoets opnieuw vanuit je cursus."))
        overview = courses.course_overview(session, person, course_id, browser_session.get(TEACHER_COURSE_KEY), now())
        return render_template("teacher/course.html", overview=overview)
