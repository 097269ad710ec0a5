"""Pages for an organisation admin: privacy settings, the LRS and what waits in the outbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from service import models as m
from service.operations import registrations
from service.operations import audit, organisations, outbox, people, registration_links
from service.web import current_db, current_settings, tool
from service.web.auth import now, role_required, signed_in_person
from service.web.errors import error_response
from service.web.forms import FunctionCodeForm, OrganisationSettingsForm, RegistrationForm
from service.web.input_guard import form_id
from service.web.security import forget_origins

bp = Blueprint("admin", __name__, url_prefix="/beheer")

#: the start page's list: endpoint, title, one line on what it is for (an endpoint the app lacks is left out)
ADMIN_PAGES = (
    ("admin.settings", _l("Instellingen"),
     _l("Wie resultaten ziet, hulpvragen, bewaartermijn, standaardfunctie en het eigen LRS.")),
    ("admin.lti_registrations", _l("Leeromgevingen"),
     _l("De adressen voor je leeromgeving, en koppelingen aanzetten of uitzetten.")),
    ("admin.function_codes", _l("Functiecodes"),
     _l("Eigen functiecodes van HR of de leeromgeving koppelen aan een functieprofiel.")),
    ("admin.roles", _l("Rollen"),
     _l("Wie HR-adviseur, digicoach of accreditatiebeheerder is; een persoon wissen.")),
    ("coach_overview.coach_admin", _l("Digicoaches"),
     _l("Welke teams en locaties elke digicoach helpt, en hoe snel een hulpvraag opgepakt moet zijn.")),
    ("hr.dashboard", _l("HR-overzicht"),
     _l("Wie voldoet aan de eisen van de functie, per functie, team en locatie.")),
    ("hr_import.upload", _l("HR-import"),
     _l("Het bestand uit het HR-systeem inlezen: functies, teams en leidinggevenden.")),
    ("admin.xapi_status", _l("Leergegevens (LRS)"),
     _l("Wat wacht op het LRS, en wat het LRS weigerde.")),
    ("admin.messages", _l("Berichten"),
     _l("E-mails, leergegevens en cijfers: wat wacht, wat verstuurd is en wat geweigerd.")),
    ("privacy.audit_log", _l("Logboek"),
     _l("Wie welke gegevens van personen bekeek, exporteerde of veranderde.")),
    ("health.admin_status", _l("Status"),
     _l("De stand van de database, de inhoud en de wachtrij, als JSON.")),
)


@bp.get("")
@role_required(m.ToolRole.ORG_ADMIN)
def home():
    """The admin's start page: every admin page with one line on what it is for."""
    pages = [(url_for(endpoint), title, line) for endpoint, title, line in ADMIN_PAGES
             if endpoint in current_app.view_functions]
    return render_template("admin/index.html", pages=pages)


@bp.route("/instellingen", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def settings():
    with current_db().begin() as session:
        admin = signed_in_person(session)
        org = admin.organisation
        form = OrganisationSettingsForm(obj=org) if request.method == "GET" else OrganisationSettingsForm()
        form.default_function.choices = [("", _("Geen"))] + [(p.code, p.name) for p in people.active_profiles(session)]
        if request.method == "GET":
            form.default_function.data = org.default_function_profile.code if org.default_function_profile else ""
            form.result_visibility.data = org.result_visibility.value
            form.help_request_mode.data = org.help_request_mode.value
            form.lrs_password.data = ""
        if form.validate_on_submit():
            values = dict(form.data)
            values["result_visibility"] = m.ResultVisibility(values["result_visibility"])
            values["help_request_mode"] = m.HelpRequestMode(values["help_request_mode"])
            people.set_default_function(session, org, values.pop("default_function"))
            organisations.update_settings(session, org, values, actor=admin,
                                          allow_internal=current_settings().internal_targets_allowed)
            flash(_("De instellingen zijn opgeslagen."))
            return redirect(url_for("admin.settings"))
        status = 422 if form.errors else 200
        return render_template("admin/settings.html", form=form, organisation=org), status


#: refused messages listed on a page (the oldest first); the count shows how many there are in all
DEAD_SHOWN = 100


@bp.get("/xapi")
@role_required(m.ToolRole.ORG_ADMIN)
def xapi_status():
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        counts = outbox.counts_by_kind(session, org.id)[m.OutboxKind.XAPI.value]
        dead = outbox.dead_letters(session, org.id, limit=DEAD_SHOWN)
        return render_template("admin/xapi.html", organisation=org, counts=counts, dead=dead, dead_shown=DEAD_SHOWN)


@bp.get("/berichten")
@role_required(m.ToolRole.ORG_ADMIN)
def messages():
    """The admin's own organisation's outbox per kind (statements, scores, mails): waiting, sent, refused."""
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        counts = outbox.counts_by_kind(session, org.id)
        dead_mails = outbox.dead_letters(session, org.id, kind=m.OutboxKind.MAIL, limit=DEAD_SHOWN)
        return render_template("admin/messages.html", organisation=org, counts=counts, dead_mails=dead_mails,
                               mail_configured=current_settings().mail_configured)


@bp.post("/berichten/opnieuw")
@role_required(m.ToolRole.ORG_ADMIN)
def messages_retry():
    """Send the organisation's refused mails again (after the address or the server was fixed)."""
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        count = outbox.retry_dead_letters(session, None, now(), organisation_id=org.id, kind=m.OutboxKind.MAIL)
    flash(ngettext("%(num)d bericht wordt opnieuw verstuurd.", "%(num)d berichten worden opnieuw verstuurd.", count))
    return redirect(url_for("admin.messages"))


@bp.post("/xapi/opnieuw")
@role_required(m.ToolRole.ORG_ADMIN)
def xapi_retry():
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        chosen = request.form.get("id", "")
        ids = None if not chosen else [int(chosen)] if chosen.isascii() and chosen.isdigit() else []
        count = outbox.retry_dead_letters(session, ids, now(), organisation_id=org.id)
    flash(ngettext("%(num)d bericht wordt opnieuw verstuurd.", "%(num)d berichten worden opnieuw verstuurd.", count))
    return redirect(url_for("admin.xapi_status"))


@bp.route("/lti", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def lti_registrations():
    """The organisation's LMS registrations, the tool's own URLs, and a form to add one."""

    form = RegistrationForm()
    with current_db().begin() as session:
        admin = signed_in_person(session)
        org = admin.organisation
        if form.validate_on_submit():
            # an optional field left empty takes the operation's default (the personnel number parameter)
            values = {k: (v or "").strip() for k, v in form.data.items() if k not in ("csrf_token", "deployment_id")}
            values = {k: v for k, v in values.items() if v}
            registrations.register_platform(session, org, deployment_ids=[form.deployment_id.data.strip()], actor=admin,
                                           **values)
            forget_origins(org.id)  # the new LMS may frame this organisation's pages
            flash(_("De leeromgeving is gekoppeld."))
            return redirect(url_for("admin.lti_registrations"))
        return _lti_page(session, org, form), (422 if form.errors else 200)


def _lti_page(session, org: m.Organisation, form: RegistrationForm, new_link: str | None = None) -> str:
    urls = {
        "login": tool().url(url_for("lti.login")), "launch": tool().url(url_for("lti.launch")),
        "jwks": tool().url(url_for("lti.jwks")),
    }
    return render_template("admin/lti.html", registrations=registrations.registrations(session, org), form=form,
                           urls=urls, links=registration_links.active_links(session, org), new_link=new_link)


@bp.post("/lti/registratie-link")
@role_required(m.ToolRole.ORG_ADMIN)
def lti_new_link():
    """Make a registration link for dynamic registration; its address is shown this once, never again."""
    with current_db().begin() as session:
        admin = signed_in_person(session)
        token = registration_links.create_link(session, admin.organisation, admin, now())
        link = tool().url(url_for("lti.dynamic_registration", org=admin.organisation.slug, link=token))
        return _lti_page(session, admin.organisation, RegistrationForm(formdata=None), new_link=link)


@bp.post("/lti/registratie-link/<int:link_id>/intrekken")
@role_required(m.ToolRole.ORG_ADMIN)
def lti_revoke_link(link_id: int):
    """Revoke a registration link: an LMS can no longer register with it."""
    with current_db().begin() as session:
        admin = signed_in_person(session)
        registration_links.revoke_link(session, admin.organisation, link_id, now(), actor=admin)
    flash(_("Het registratieadres is ingetrokken."))
    return redirect(url_for("admin.lti_registrations"))


@bp.post("/lti/<int:registration_id>/<action>")
@role_required(m.ToolRole.ORG_ADMIN)
def lti_status(registration_id: int, action: str):
    statuses = {"aanzetten": m.RegistrationStatus.ACTIVE, "uitzetten": m.RegistrationStatus.DISABLED}
    if action not in statuses:
        abort(404)
    with current_db().begin() as session:
        admin = signed_in_person(session)
        registrations.set_registration_status(session, admin.organisation, registration_id, statuses[action], actor=admin)
        forget_origins(admin.organisation_id)
    flash(_("De koppeling staat aan.") if action == "aanzetten" else _("De koppeling staat uit."))
    return redirect(url_for("admin.lti_registrations"))


@bp.post("/lti/<int:registration_id>/naam")
@role_required(m.ToolRole.ORG_ADMIN)
def lti_rename(registration_id: int):
    """Rename a registration (a dynamically registered one is named after its platform and host)."""
    with current_db().begin() as session:
        admin = signed_in_person(session)
        registrations.rename_registration(session, admin.organisation, registration_id, request.form.get("name", ""),
                                          actor=admin)
    flash(_("De naam is opgeslagen."))
    return redirect(url_for("admin.lti_registrations"))


@bp.post("/lti/<int:registration_id>/adressen")
@role_required(m.ToolRole.ORG_ADMIN)
def lti_extra_hosts(registration_id: int):
    """Set the LMS's other host names (Canvas: the school's own host), where its return URLs may point."""
    with current_db().begin() as session:
        admin = signed_in_person(session)
        registrations.set_extra_hosts(session, admin.organisation, registration_id,
                                      request.form.get("extra_hosts", ""), actor=admin)
    flash(_("De andere adressen zijn opgeslagen."))
    return redirect(url_for("admin.lti_registrations"))


@bp.route("/functies", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def function_codes():
    """Map the organisation's own function codes (HR, LMS custom parameter) to function profiles."""
    form = FunctionCodeForm()
    with current_db().begin() as session:
        org = signed_in_person(session).organisation
        profiles = people.active_profiles(session)
        form.profile.choices = [SelectChoice(p.code, p.name) for p in profiles]
        if form.validate_on_submit():
            organisations.add_function_code(session, org, form.hr_code.data, people.get_profile(session, form.profile.data))
            flash(_("De functiecode is opgeslagen."))
            return redirect(url_for("admin.function_codes"))
        codes = organisations.function_codes(session, org)
        return render_template("admin/functions.html", form=form, codes=codes), (422 if form.errors else 200)


@bp.route("/rollen", methods=["GET", "POST"])
@role_required(m.ToolRole.ORG_ADMIN)
def roles():
    """Hand out the HR, digicoach and accreditation roles: 50 people a page, with a search."""
    fields = request.form if request.method == "POST" else request.args
    search, page, with_role = fields.get("zoek", ""), form_id(fields.get("pagina", "1")), fields.get("met_rol") == "1"
    if page is None:
        return error_response(400, _("Het paginanummer moet een heel getal zijn: 1 of hoger."))
    if len(search) > people.SEARCH_MAX:
        flash(_("Je zoekwoord is te lang. We zoeken op de eerste %(max)d tekens.", max=people.SEARCH_MAX))
    keep = {k: v for k, v in {"zoek": " ".join(search.split())[:people.SEARCH_MAX], "pagina": page if page > 1 else None,
                              "met_rol": "1" if with_role else None}.items() if v}
    with current_db().begin() as session:
        admin = signed_in_person(session)
        org = admin.organisation
        if request.method == "POST":
            chosen = {m.ToolRole(r) for r in request.form.getlist("role") if r in {g.value for g in organisations.GRANTABLE}}
            organisations.set_granted_roles(session, org, form_id(request.form.get("person")) or 0, chosen, f"person:{admin.id}",
                                            actor=admin)
            flash(_("De rollen zijn opgeslagen."))
            return redirect(url_for("admin.roles", **keep))
        result = people.role_page(session, org, search, page, with_role=with_role)
        # a list of people is a person-level view: logged, without the search text (it may be a name)
        audit.record(session, org, admin, audit.Action.PEOPLE_ROLES_VIEWED, f"organisation:{org.id}",
                     {"page": result.page, "search": "yes" if keep.get("zoek") else "no",
                      "with_role": "yes" if with_role else "no", "shown": len(result.rows)})
        return render_template("admin/roles.html", result=result, keep=keep, grantable=organisations.GRANTABLE,
                               searchable_names=org.store_personal_data)
