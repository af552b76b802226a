"""What a notification says: bilingual (Hindi and English) texts, per template, as programme data,
with the TRAI DLT ids an Indian SMS must carry. Pure: rendering only, no I/O."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.language import Language, instant_for_people
from core.types import Email, Mobile


class NoticeTemplate(BaseModel):
    """One message in both languages. `{field}` placeholders come from the notification's data."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z_]{3,60}$")
    dlt_template_id: str = Field(pattern=r"^\d{19}$")  # registered with the operator's DLT platform
    subject_en: str
    subject_hi: str
    text_en: str
    text_hi: str


class Contact(BaseModel):
    """Where an official (a DDO, a grievance unit, a HoD) is told things."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    mobile: Mobile | None = None
    email: Email | None = None


def _t(code: str, n: int, subject_en: str, subject_hi: str, text_en: str, text_hi: str) -> NoticeTemplate:
    return NoticeTemplate(
        code=code,
        dlt_template_id=f"1107{n:015d}",
        subject_en=subject_en,
        subject_hi=subject_hi,
        text_en=text_en,
        text_hi=text_hi,
    )


def _default_templates() -> tuple[NoticeTemplate, ...]:
    grievance = "Grievance {number}"
    shikayat = "शिकायत {number}"
    return (
        _t("verification_verify", 1, "Service record verified", "सेवा रिकॉर्ड सत्यापित",
           "Your service record {registration_id} has been verified by your DDO.",
           "आपका सेवा रिकॉर्ड {registration_id} आपके DDO द्वारा सत्यापित कर दिया गया है।"),
        _t("verification_send_back", 2, "Service record sent back", "सेवा रिकॉर्ड वापस भेजा गया",
           "Your service record {registration_id} was sent back: {remarks}. Correct and resubmit.",
           "आपका सेवा रिकॉर्ड {registration_id} वापस भेजा गया: {remarks}। सुधार कर फिर जमा करें।"),
        _t("verification_reject", 3, "Service record rejected", "सेवा रिकॉर्ड अस्वीकृत",
           "Your service record {registration_id} was rejected: {remarks}. You may appeal online.",
           "आपका सेवा रिकॉर्ड {registration_id} अस्वीकृत: {remarks}। आप ऑनलाइन अपील कर सकते हैं।"),
        # Told by the deadline jobs, in the transaction that changes the record.
        _t("registration_lapsed", 9, "Registration draft lapsed", "पंजीकरण ड्राफ़्ट व्यपगत",
           "Anubandh: registration closed on {closed_at} and your draft {registration_id} was not submitted, so it "
           "has lapsed. If you could not register because of an OTP problem, ask your DDO for help.",
           "अनुबंध: पंजीकरण {closed_at_hi} को बंद हो गया और आपका ड्राफ़्ट {registration_id} जमा नहीं हुआ, इसलिए यह "
           "व्यपगत हो गया है। यदि OTP की समस्या के कारण आप पंजीकरण नहीं कर सके, तो अपने DDO से सहायता लें।"),
        _t("verification_escalated", 21, "Service record sent to the HoD", "सेवा रिकॉर्ड विभागाध्यक्ष को भेजा गया",
           "Anubandh: your DDO did not decide on your service record {registration_id} by {closed_at}. It is now "
           "with the Head of Department, who will decide it; you need do nothing. Track it online.",
           "अनुबंध: आपके DDO ने {closed_at_hi} तक आपके सेवा रिकॉर्ड {registration_id} पर निर्णय नहीं लिया। अब यह "
           "विभागाध्यक्ष के पास है, वही निर्णय लेंगे; आपको कुछ नहीं करना है। ऑनलाइन देखें।"),
        _t("verification_defaulters", 4, "Verification closed: escalated records", "सत्यापन बंद: लंबित रिकॉर्ड",
           "{escalated} records of {department} were not decided by their DDOs and are now with you.",
           "{department} के {escalated} रिकॉर्ड DDO द्वारा तय नहीं किए गए और अब आपके पास हैं।"),
        _t("registration_reminder", 5, "Register by {closes_on}", "{closes_on} तक पंजीकरण करें",
           "Anubandh: {days_left} days left to register and upload your documents (closes {closes_on}).",
           "अनुबंध: पंजीकरण और दस्तावेज़ अपलोड के लिए {days_left} दिन शेष (अंतिम तिथि {closes_on})।"),
        _t("verification_reminder", 6, "{pending} records await you", "{pending} रिकॉर्ड लंबित",
           "Anubandh: {pending} service records await your verification; {days_left} days left.",
           "अनुबंध: {pending} सेवा रिकॉर्ड आपके सत्यापन हेतु लंबित; {days_left} दिन शेष।"),
        _t("superannuation_notice", 7, "Superannuation on {retires_on}", "{retires_on} को सेवानिवृत्ति",
           "Anubandh: you reach superannuation on {retires_on}. Start your pension papers with your DDO now.",
           "अनुबंध: आपकी सेवानिवृत्ति {retires_on} को है। पेंशन के कागज़ अभी अपने DDO के साथ शुरू करें।"),
        _t("superannuation_ddo", 8, "{count} employees retire within 90 days", "{count} कर्मचारी 90 दिन में सेवानिवृत्त",
           "Anubandh: {count} of your employees reach superannuation within 90 days. Start their pension papers.",
           "अनुबंध: आपके {count} कर्मचारी 90 दिन में सेवानिवृत्त होंगे। उनके पेंशन के कागज़ शुरू करें।"),
        _t("officer_digest", 30, "Daily digest {day}", "दैनिक सारांश {day}",
           "Anubandh {day}: {open} grievances open, {overdue} overdue. Not signed in yesterday: {absent}.",
           "अनुबंध {day}: {open} शिकायतें खुली, {overdue} समय-सीमा पार। कल लॉग-इन नहीं किया: {absent}।"),
        _t("hod_digest", 31, "Daily digest {day}", "दैनिक सारांश {day}",
           "Anubandh {day}: {open} L2 grievances open, {overdue} overdue. Officers not signed in yesterday: {absent}.",
           "अनुबंध {day}: {open} L2 शिकायतें खुली, {overdue} समय-सीमा पार। कल लॉग-इन न करने वाले अधिकारी: {absent}।"),
        _t("ddo_digest", 32, "Daily digest {day}", "दैनिक सारांश {day}",
           "Anubandh {day}: {pending} service records await your verification; {days_left} days left.",
           "अनुबंध {day}: {pending} सेवा रिकॉर्ड आपके सत्यापन हेतु लंबित; {days_left} दिन शेष।"),
        _t("grievance_filed", 10, grievance, shikayat,
           "Grievance {number} is registered and assigned. Track it online.",
           "शिकायत {number} दर्ज कर सौंप दी गई है। ऑनलाइन देखें।"),
        _t("grievance_assigned", 11, grievance, shikayat,
           "Grievance {number} is assigned to you. Act within the SLA.",
           "शिकायत {number} आपको सौंपी गई है। समय-सीमा में कार्रवाई करें।"),
        _t("grievance_accepted", 12, grievance, shikayat,
           "Grievance {number} is being worked on.", "शिकायत {number} पर कार्य हो रहा है।"),
        _t("grievance_info_requested", 13, grievance, shikayat,
           "Grievance {number}: more information is needed. Reply online.",
           "शिकायत {number}: अधिक जानकारी चाहिए। ऑनलाइन उत्तर दें।"),
        _t("grievance_resolved", 14, grievance, shikayat,
           "Grievance {number} is resolved. Tell us if you are satisfied.",
           "शिकायत {number} का समाधान हुआ। संतुष्टि बताएं।"),
        _t("grievance_rejected", 15, grievance, shikayat,
           "Grievance {number} was rejected. See the reasons online.",
           "शिकायत {number} अस्वीकृत। कारण ऑनलाइन देखें।"),
        _t("grievance_reassigned", 16, grievance, shikayat,
           "Grievance {number} moved to another office.", "शिकायत {number} दूसरे कार्यालय को भेजी गई।"),
        _t("grievance_escalated", 17, grievance, shikayat,
           "Grievance {number} is escalated to the Head of Department.",
           "शिकायत {number} विभागाध्यक्ष को भेजी गई।"),
        _t("grievance_commented", 18, grievance, shikayat,
           "Grievance {number} has a new remark.", "शिकायत {number} पर नई टिप्पणी।"),
        _t("grievance_replied", 19, grievance, shikayat,
           "The employee replied on grievance {number}.", "कर्मचारी ने शिकायत {number} पर उत्तर दिया।"),
        _t("grievance_closed", 20, grievance, shikayat,
           "Grievance {number} is closed.", "शिकायत {number} बंद।"),
        # Mobile corrections: the old number hears it was replaced, the new one that it now signs in.
        _t("mobile_changed_old", 40, "Mobile number changed", "मोबाइल नंबर बदला गया",
           "Anubandh: the mobile of employee {employee_code} on the roll was changed from {old_mobile} to "
           "{new_mobile} on {day}. OTPs now go to the new number. If you did not ask for this, file a grievance "
           "or call your DDO today.",
           "अनुबंध: रोल पर कर्मचारी {employee_code} का मोबाइल {day} को {old_mobile} से बदलकर {new_mobile} किया गया। "
           "अब OTP नए नंबर पर जाएगा। यदि आपने यह अनुरोध नहीं किया, तो आज ही शिकायत दर्ज करें या अपने DDO को फ़ोन करें।"),
        _t("mobile_changed_new", 41, "Mobile number registered", "मोबाइल नंबर दर्ज",
           "Anubandh: this number is now the mobile of employee {employee_code} on the roll. Sign in with the "
           "OTP sent to it and complete your registration.",
           "अनुबंध: यह नंबर अब रोल पर कर्मचारी {employee_code} का मोबाइल है। इस पर आए OTP से साइन-इन करें और "
           "अपना पंजीकरण पूरा करें।"),
        _t("mobile_correction_rejected", 42, "Mobile correction rejected", "मोबाइल सुधार अस्वीकृत",
           "Anubandh: the request to change the mobile of employee {employee_code} to {new_mobile} was rejected: "
           "{remarks}. Take proof of your number to your DDO, or send a new help request with the right details.",
           "अनुबंध: कर्मचारी {employee_code} का मोबाइल {new_mobile} करने का अनुरोध अस्वीकृत: {remarks}। अपने नंबर "
           "का प्रमाण लेकर अपने DDO से मिलें, या सही विवरण के साथ नया सहायता अनुरोध भेजें।"),
        _t("correction_reminder", 43, "{pending} mobile corrections await you", "{pending} मोबाइल सुधार लंबित",
           "Anubandh: {pending} mobile-correction requests await your decision; registration closes {closes_on}. "
           "Approve or reject them on the portal so these employees can sign in.",
           "अनुबंध: {pending} मोबाइल सुधार अनुरोध आपके निर्णय हेतु लंबित; पंजीकरण {closes_on} को बंद होगा। पोर्टल "
           "पर स्वीकृत या अस्वीकृत करें ताकि ये कर्मचारी साइन-इन कर सकें।"),
        _t("sign_in_otp", 44, "Your sign-in OTP", "आपका साइन-इन OTP",
           "Anubandh: your OTP is {otp}, valid for 5 minutes. Do not share it; no official will ask for it.",
           "अनुबंध: आपका OTP {otp} है, 5 मिनट तक मान्य। इसे किसी को न बताएं; कोई अधिकारी इसे नहीं मांगेगा।"),
        # The transparency auditor, to the state's admins: records differ from the signed log.
        _t("transparency_audit_alert", 50, "Records differ from the signed log", "रिकॉर्ड हस्ताक्षरित लॉग से भिन्न",
           "Anubandh: the transparency audit of {day} found {count} records or events that differ from the signed "
           "log (first: {first}). See the findings under Transparency audits on the portal and report the edit.",
           "अनुबंध: {day} के पारदर्शिता ऑडिट में {count} रिकॉर्ड या घटनाएँ हस्ताक्षरित लॉग से भिन्न मिलीं (पहली: "
           "{first})। पोर्टल पर पारदर्शिता ऑडिट में विवरण देखें और इस बदलाव की सूचना दें।"),
    )  # fmt: skip


class NoticePolicy(BaseModel):
    """Templates, the DLT principal entity, the SMS sender id and officials' contacts: programme data."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    dlt_entity_id: str = Field(default="1101000000000000001", pattern=r"^\d{19}$")
    sender_id: str = Field(default="ANBNDH", pattern=r"^[A-Z]{6}$")
    email_from: Email = "no-reply@anubandh.example.gov.in"
    templates: tuple[NoticeTemplate, ...] = Field(default_factory=_default_templates)
    # "unit:<id>", "hod:<department>", "ddo:<code>" → contact; employees are reached through the roll.
    contacts: dict[str, Contact] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _codes_unique(self) -> NoticePolicy:
        codes = [t.code for t in self.templates]
        if len(codes) != len(set(codes)):
            raise ValueError("template codes must be unique")
        return self

    def template(self, code: str) -> NoticeTemplate | None:
        return next((t for t in self.templates if t.code == code), None)


def deadline_data(at: datetime) -> dict[str, str]:
    """A deadline as a notice's data: `closed_at` for the English text, `closed_at_hi` for the Hindi."""
    return {
        "closed_at": instant_for_people(at, Language.EN),
        "closed_at_hi": instant_for_people(at, Language.HI),
    }


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""  # a field the data lacks renders empty rather than failing the delivery


class RenderedNotice(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    template: str
    dlt_template_id: str
    subject: str
    text_en: str
    text_hi: str

    @property
    def sms(self) -> str:
        """An SMS carries both languages, Hindi first."""
        return f"{self.text_hi}\n{self.text_en}"


def render(template: NoticeTemplate, data: Mapping[str, Any]) -> RenderedNotice:
    values = _Blank({k: v for k, v in data.items() if isinstance(v, str | int | float)})
    formatter = string.Formatter()
    return RenderedNotice(
        template=template.code,
        dlt_template_id=template.dlt_template_id,
        subject=" / ".join(formatter.vformat(t, (), values) for t in (template.subject_hi, template.subject_en)),
        text_en=formatter.vformat(template.text_en, (), values),
        text_hi=formatter.vformat(template.text_hi, (), values),
    )
