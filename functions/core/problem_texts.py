"""What a problem+json says to a person, in Hindi and English: data beside the notice templates
(core.notices). One entry per error `code` (its title and a default detail) and one per situation
(`code.reason`) where a code has several; `{placeholders}` are filled from the error's parameters,
rendered for people (core.language: dates in IST, Hindi month names in Hindi). Every detail says what
to do next. Terms people say in English (DDO, OTP, PDF, HoD codes, field names) stay in Latin script.
Pure: rendering only, no I/O."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from core.language import Language, for_people


@dataclass(frozen=True, slots=True)
class ProblemText:
    """The words of one code, or of one situation of a code (then the title may come from the code).
    A dataclass: 120 of them are made at every cold start, and they are our own literals."""

    key: str
    detail_en: str
    detail_hi: str
    title_en: str | None = None
    title_hi: str | None = None

    def placeholders(self) -> set[str]:
        texts = (self.title_en or "", self.title_hi or "", self.detail_en, self.detail_hi)
        return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def _c(code: str, title_en: str, title_hi: str, detail_en: str, detail_hi: str) -> ProblemText:
    return ProblemText(key=code, title_en=title_en, title_hi=title_hi, detail_en=detail_en, detail_hi=detail_hi)


def _r(key: str, detail_en: str, detail_hi: str) -> ProblemText:
    return ProblemText(key=key, detail_en=detail_en, detail_hi=detail_hi)


_RETRY_EN = "Read it again and retry."
_RETRY_HI = "इसे फिर से खोलें और दोबारा प्रयास करें।"

TEXTS: tuple[ProblemText, ...] = (
    # ------------------------------------------------------------------ sign-in and access
    _c("unauthenticated", "Sign in first", "पहले साइन-इन करें",
       "No verified sign-in came with the request. Sign in with the OTP sent to your mobile and try again.",
       "अनुरोध के साथ कोई सत्यापित साइन-इन नहीं मिला। अपने मोबाइल पर आए OTP से साइन-इन करें और फिर प्रयास करें।"),
    _c("session_revoked", "Your session has ended", "आपका सत्र समाप्त हो गया है",
       "You signed out or your session was ended. Sign in again.",
       "आपने साइन-आउट किया या आपका सत्र समाप्त कर दिया गया। फिर से साइन-इन करें।"),
    _c("account_disabled", "This account is disabled", "यह खाता निष्क्रिय है",
       "This account has been disabled. Ask your department's nodal officer.",
       "यह खाता निष्क्रिय कर दिया गया है। अपने विभाग के नोडल अधिकारी से संपर्क करें।"),
    _c("forbidden", "You may not do this", "आपको यह करने की अनुमति नहीं है",
       "Your account may not do this. If you think it should, ask your department's nodal officer.",
       "आपका खाता यह कार्य नहीं कर सकता। यदि आपको लगता है कि यह अनुमति होनी चाहिए, तो अपने विभाग के नोडल "
       "अधिकारी से संपर्क करें।"),
    _r("forbidden.roles", "This needs one of the roles: {roles}. Sign in with an account that has one.",
       "इसके लिए इनमें से एक भूमिका चाहिए: {roles}। ऐसी भूमिका वाले खाते से साइन-इन करें।"),
    _r("forbidden.no_department", "Your account names no department. Ask the state admin to set it.",
       "आपके खाते में कोई विभाग दर्ज नहीं है। राज्य एडमिन से इसे दर्ज करवाएं।"),
    _r("forbidden.admin_documents",
       "Admins see registrations and grievances, and each file's name, size and SHA-256, but cannot open the "
       "files. The employee's DDO, the grievance officer or the HoD can open them.",
       "एडमिन पंजीकरण और शिकायतें, और हर फ़ाइल का नाम, आकार और SHA-256 देख सकते हैं, पर फ़ाइल खोल नहीं "
       "सकते। फ़ाइल कर्मचारी के DDO, शिकायत अधिकारी या विभागाध्यक्ष खोल सकते हैं।"),
    _r("forbidden.not_your_registration",
       "This registration is not yours to see. Check the registration number.",
       "यह पंजीकरण आपका नहीं है, इसलिए आप इसे नहीं देख सकते। पंजीकरण संख्या जाँच लें।"),
    _r("forbidden.not_owner",
       "Only the employee who registered may change this registration.",
       "इस पंजीकरण को केवल वही कर्मचारी बदल सकता है जिसने इसे बनाया है।"),
    _r("forbidden.not_owner_upload",
       "Only the employee who registered may upload to this registration.",
       "इस पंजीकरण में केवल वही कर्मचारी फ़ाइल अपलोड कर सकता है जिसने इसे बनाया है।"),
    _r("forbidden.not_your_grievance",
       "This grievance is not yours to see. Check the grievance number.",
       "यह शिकायत आपकी नहीं है, इसलिए आप इसे नहीं देख सकते। शिकायत संख्या जाँच लें।"),
    _r("forbidden.not_grievance_owner",
       "Only the employee who filed this grievance may do this.",
       "यह कार्य केवल वही कर्मचारी कर सकता है जिसने यह शिकायत दर्ज की है।"),
    _r("forbidden.grievance_own_registration",
       "A grievance can be about your own registration only. Leave the registration out or name your own.",
       "शिकायत केवल आपके अपने पंजीकरण के बारे में हो सकती है। पंजीकरण न चुनें या अपना पंजीकरण चुनें।"),
    _r("forbidden.grievance_lists",
       "Grievance lists are for employees, grievance officers and Heads of Department.",
       "शिकायतों की सूची केवल कर्मचारी, शिकायत अधिकारी और विभागाध्यक्ष देख सकते हैं।"),
    _r("forbidden.grievance_act",
       "Only the assigned L1 unit, or the department's HoD at L2, may act on this grievance.",
       "इस शिकायत पर केवल सौंपी गई L1 इकाई, या L2 पर विभाग के HoD, कार्रवाई कर सकते हैं।"),
    _r("forbidden.verification_queue",
       "The verification queue is for DDOs and Heads of Department.",
       "सत्यापन कतार केवल DDO और विभागाध्यक्ष के लिए है।"),
    _r("forbidden.correction_queue",
       "Mobile-correction requests are for DDOs and Heads of Department.",
       "मोबाइल सुधार अनुरोध केवल DDO और विभागाध्यक्ष के लिए हैं।"),
    _r("forbidden.hod_escalated_only",
       "The Head of Department decides only records escalated after the deadline. The DDO decides this one.",
       "विभागाध्यक्ष केवल अंतिम तिथि के बाद भेजे गए रिकॉर्ड पर निर्णय लेते हैं। इस पर DDO निर्णय लेंगे।"),
    _r("forbidden.not_in_charge",
       "This registration is not in your charge. Its own DDO, or after the deadline its HoD, decides it.",
       "यह पंजीकरण आपके प्रभार में नहीं है। इस पर इसके अपने DDO, या अंतिम तिथि के बाद इसके HoD, निर्णय लेंगे।"),
    _r("forbidden.ddo_or_hod",
       "Only the employee's DDO or the Head of their department may do this. Ask them.",
       "यह कार्य केवल कर्मचारी के DDO या उनके विभागाध्यक्ष कर सकते हैं। उनसे संपर्क करें।"),
    # ------------------------------------------------------------------ records
    _c("not_found", "No such record", "ऐसा कोई रिकॉर्ड नहीं है",
       "There is no such record. Check the number and try again.",
       "ऐसा कोई रिकॉर्ड नहीं है। संख्या जाँच कर फिर प्रयास करें।"),
    _r("not_found.registration", "There is no registration {registration_id}. Check the registration number.",
       "पंजीकरण {registration_id} नहीं मिला। पंजीकरण संख्या जाँच लें।"),
    _r("not_found.document",
       "Registration {registration_id} has no document {document_id}. Read the registration again.",
       "पंजीकरण {registration_id} में दस्तावेज़ {document_id} नहीं है। पंजीकरण फिर से खोलें।"),
    _r("not_found.grievance", "There is no grievance {grievance_id}. Check the grievance number.",
       "शिकायत {grievance_id} नहीं मिली। शिकायत संख्या जाँच लें।"),
    _r("not_found.attachment",
       "Grievance {grievance_id} has no attachment {attachment_id}. Read the grievance again.",
       "शिकायत {grievance_id} में संलग्नक {attachment_id} नहीं है। शिकायत फिर से खोलें।"),
    _r("not_found.certificate", "There is no certificate {serial}; check the serial printed on it.",
       "प्रमाणपत्र {serial} नहीं मिला; उस पर छपी क्रम संख्या जाँच लें।"),
    _r("not_found.correction",
       "There is no mobile-correction request {correction_id}; read your queue again.",
       "मोबाइल सुधार अनुरोध {correction_id} नहीं मिला; अपनी कतार फिर से खोलें।"),
    _r("not_found.roll_entry", "{employee_code} is not on the roll; check the employee code.",
       "{employee_code} रोल पर नहीं है; कर्मचारी कोड जाँच लें।"),
    _r("not_found.import", "There is no roll import {import_id}. Check the import id.",
       "रोल आयात {import_id} नहीं मिला। आयात id जाँच लें।"),
    _c("not_on_roll", "You are not on the programme's roll", "आप कार्यक्रम के रोल पर नहीं हैं",
       "Employee code {employee_code} is not on the roll. Ask your DDO to check your entry on the roll.",
       "कर्मचारी कोड {employee_code} रोल पर नहीं है। अपने DDO से रोल पर अपनी प्रविष्टि जँचवाएं।"),
    _r("not_on_roll.not_linked",
       "Your sign-in is not linked to an employee code on the roll. Sign in with your employee code.",
       "आपका साइन-इन रोल के किसी कर्मचारी कोड से जुड़ा नहीं है। अपने कर्मचारी कोड से साइन-इन करें।"),
    _r("not_on_roll.grievance",
       "Only employees on the programme's roll can file grievances here. Ask your DDO to check your entry.",
       "यहाँ केवल कार्यक्रम के रोल पर दर्ज कर्मचारी शिकायत दर्ज कर सकते हैं। अपने DDO से अपनी प्रविष्टि जँचवाएं।"),
    _c("registration_exists", "You have already registered", "आपका पंजीकरण पहले से है",
       "You have already registered ({registration_id}). Open that registration to continue.",
       "आपका पंजीकरण पहले से है ({registration_id})। आगे बढ़ने के लिए वही पंजीकरण खोलें।"),
    _c("version_conflict", "The record changed since you read it", "आपके पढ़ने के बाद रिकॉर्ड बदल गया है",
       f"The record was changed by someone else meanwhile. {_RETRY_EN}",
       f"इस बीच किसी और ने रिकॉर्ड बदल दिया। {_RETRY_HI}"),
    _r("version_conflict.stale",
       f"You sent version {{sent_version}}; the record is at version {{current_version}}. {_RETRY_EN}",
       f"आपने संस्करण {{sent_version}} भेजा; रिकॉर्ड अब संस्करण {{current_version}} पर है। {_RETRY_HI}"),
    _c("invalid_state", "Not allowed in the record's current state", "रिकॉर्ड की वर्तमान स्थिति में यह संभव नहीं",
       "The record is {current_status}; this cannot be done in that state. Read it again to see what you can do.",
       "रिकॉर्ड की स्थिति {current_status} है; इस स्थिति में यह कार्य नहीं हो सकता। क्या किया जा सकता है, "
       "यह देखने के लिए इसे फिर से खोलें।"),
    _r("invalid_state.not_editable",
       "A {current_status} registration can no longer be changed. If something in it is wrong, file a grievance.",
       "{current_status} स्थिति वाला पंजीकरण अब बदला नहीं जा सकता। यदि इसमें कुछ गलत है, तो शिकायत दर्ज करें।"),
    _r("invalid_state.not_awaiting_decision",
       "A {current_status} registration is not awaiting a decision. Read your queue again.",
       "{current_status} स्थिति वाला पंजीकरण निर्णय हेतु लंबित नहीं है। अपनी कतार फिर से खोलें।"),
    _r("invalid_state.transition",
       "Only a {expected} registration becomes {to}; this one is {current_status}. Read it again.",
       "केवल {expected} स्थिति वाला पंजीकरण {to} होता है; यह {current_status} है। इसे फिर से खोलें।"),
    _r("invalid_state.verification_missing",
       "This registration is VERIFIED but its verification cannot be found in its history. The helpdesk has "
       "been told; try again later.",
       "यह पंजीकरण VERIFIED है, पर इसके इतिहास में सत्यापन नहीं मिला। हेल्पडेस्क को सूचित कर दिया गया है; "
       "बाद में प्रयास करें।"),
    # ------------------------------------------------------------------ windows
    _c("registration_not_open", "Registration has not opened yet", "पंजीकरण अभी शुरू नहीं हुआ है",
       "Registration opens on {opens_at}. Come back then.",
       "पंजीकरण {opens_at} को शुरू होगा। तब फिर आएं।"),
    _c("registration_closed", "The registration window has closed", "पंजीकरण की अवधि समाप्त हो गई है",
       "Registration closed on {closed_at}. If you could not register because of an OTP problem, your DDO can "
       "help.",
       "पंजीकरण {closed_at} को बंद हो गया। यदि OTP की समस्या के कारण आप पंजीकरण नहीं कर सके, तो आपके DDO "
       "सहायता कर सकते हैं।"),
    _r("registration_closed.draft_lapsed",
       "Registration closed on {closed_at}; this draft has lapsed. If you could not register because of an OTP "
       "problem, your DDO can help.",
       "पंजीकरण {closed_at} को बंद हो गया; यह ड्राफ़्ट व्यपगत (lapsed) हो गया है। यदि OTP की समस्या के कारण आप "
       "पंजीकरण नहीं कर सके, तो आपके DDO सहायता कर सकते हैं।"),
    _c("verification_closed", "The verification window has closed", "सत्यापन की अवधि समाप्त हो गई है",
       "The verification window closed on {closed_at}; pending records go to the Head of Department, who "
       "decides them now.",
       "सत्यापन की अवधि {closed_at} को समाप्त हो गई; लंबित रिकॉर्ड विभागाध्यक्ष को भेजे गए हैं, अब वही इन पर "
       "निर्णय लेंगे।"),
    _r("verification_closed.escalated",
       "The verification window closed on {closed_at}; the Head of Department decides this escalated record.",
       "सत्यापन की अवधि {closed_at} को समाप्त हो गई; इस रिकॉर्ड पर अब विभागाध्यक्ष निर्णय लेंगे।"),
    _r("verification_closed.uploads",
       "Uploads closed on {closed_at}. If a document is missing, file a grievance.",
       "अपलोड की अवधि {closed_at} को समाप्त हो गई। यदि कोई दस्तावेज़ छूट गया है, तो शिकायत दर्ज करें।"),
    _r("verification_closed.corrections",
       "The window for corrections closed on {closed_at}; the record can no longer be changed. If something in "
       "it is wrong, file a grievance.",
       "सुधार की अवधि {closed_at} को समाप्त हो गई; रिकॉर्ड अब बदला नहीं जा सकता। यदि इसमें कुछ गलत है, तो "
       "शिकायत दर्ज करें।"),
    _c("invalid_window", "This window change is not allowed", "अवधि में यह बदलाव संभव नहीं",
       "The windows would not make sense ({reasons}). Give dates in order: registration opens, registration "
       "closes, verification closes.",
       "अवधियाँ सुसंगत नहीं होंगी ({reasons})। तिथियाँ इस क्रम में दें: पंजीकरण शुरू, पंजीकरण बंद, सत्यापन बंद।"),
    _r("invalid_window.nothing_changes",
       "Give a new registration_closes_at or verification_closes_at that differs from now.",
       "नया registration_closes_at या verification_closes_at दें जो वर्तमान से भिन्न हो।"),
    _r("invalid_window.in_the_past",
       "{field} cannot be moved to {new_value}, which has already passed; a past window needs a new window, "
       "not an edit.",
       "{field} को {new_value} पर नहीं ले जाया जा सकता, यह समय बीत चुका है; बीती अवधि के लिए नई अवधि बनाएं, "
       "बदलाव नहीं।"),
    # ------------------------------------------------------------------ registration
    _c("registration_incomplete", "The registration is not complete", "पंजीकरण पूरा नहीं है",
       "Upload every required document and fill every required field before submitting; "
       "missing_documents and missing_fields list what is left.",
       "जमा करने से पहले सभी आवश्यक दस्तावेज़ अपलोड करें और सभी आवश्यक जानकारी भरें; क्या बाकी है, यह "
       "missing_documents और missing_fields में दिया गया है।"),
    _c("invalid_record", "The service record is not valid", "सेवा रिकॉर्ड मान्य नहीं है",
       "The service record would not be valid with these changes. Correct the fields listed in errors and send "
       "again.",
       "इन बदलावों से सेवा रिकॉर्ड मान्य नहीं रहेगा। errors में दिए गए फ़ील्ड सुधार कर फिर भेजें।"),
    _c("upload_not_accepted", "This file cannot be uploaded", "यह फ़ाइल अपलोड नहीं हो सकती",
       "The file is {size_bytes} bytes; the limit is {max_bytes}. Scan at a lower resolution or as a smaller PDF "
       "and upload again.",
       "फ़ाइल {size_bytes} बाइट की है; सीमा {max_bytes} बाइट है। कम रिज़ॉल्यूशन पर या छोटी PDF के रूप में "
       "स्कैन करके फिर अपलोड करें।"),
    _r("upload_not_accepted.too_many_attachments",
       "A grievance has room for {max_attachments} attachments. Put several pages into one PDF.",
       "एक शिकायत में अधिकतम {max_attachments} संलग्नक हो सकते हैं। कई पृष्ठ एक ही PDF में जोड़ें।"),
    _c("document_not_uploaded", "The document has not been uploaded yet", "दस्तावेज़ अभी अपलोड नहीं हुआ है",
       "No file has arrived for this document yet; upload it, then confirm.",
       "इस दस्तावेज़ की कोई फ़ाइल अभी तक नहीं मिली; पहले अपलोड करें, फिर पुष्टि करें।"),
    _r("document_not_uploaded.no_file",
       "Document {document_id} is {document_status}; there is no file to see. Upload it first.",
       "दस्तावेज़ {document_id} की स्थिति {document_status} है; देखने के लिए कोई फ़ाइल नहीं है। पहले इसे अपलोड करें।"),
    _r("document_not_uploaded.attachment",
       "This attachment has not been uploaded and accepted. Upload it and confirm it first.",
       "यह संलग्नक अपलोड और स्वीकार नहीं हुआ है। पहले इसे अपलोड करें और पुष्टि करें।"),
    _c("document_not_retained", "The document could not be locked against deletion; try again",
       "दस्तावेज़ को मिटाए जाने से सुरक्षित नहीं किया जा सका; फिर प्रयास करें",
       "The file arrived but could not be locked against deletion just now. Confirm the upload again in a "
       "minute.",
       "फ़ाइल मिल गई, पर अभी उसे मिटाए जाने से सुरक्षित नहीं किया जा सका। एक मिनट बाद अपलोड की फिर से पुष्टि करें।"),
    _c("no_receipt", "There is no receipt for this record yet", "इस रिकॉर्ड की अभी कोई रसीद नहीं है",
       "This registration has no submission receipt: it has not been submitted yet. Submit it to get one.",
       "इस पंजीकरण की जमा-रसीद नहीं है: यह अभी जमा नहीं हुआ है। रसीद पाने के लिए इसे जमा करें।"),
    _r("no_receipt.grievance_before_receipts",
       "This grievance was filed before receipts were signed; its history is its record.",
       "यह शिकायत रसीदों पर हस्ताक्षर शुरू होने से पहले दर्ज हुई थी; इसका इतिहास ही इसका रिकॉर्ड है।"),
    # ------------------------------------------------------------------ verification
    _c("remarks_required", "Give reasons in the remarks", "टिप्पणी में कारण लिखें",
       "Write remarks of at least {min_length} characters saying why.",
       "कम से कम {min_length} अक्षरों की टिप्पणी में कारण लिखें।"),
    _r("remarks_required.decision",
       "A {decision} needs remarks of at least {min_length} characters. Say what the employee must correct.",
       "{decision} के लिए कम से कम {min_length} अक्षरों की टिप्पणी चाहिए। बताएं कि कर्मचारी को क्या सुधारना है।"),
    _r("remarks_required.grievance_action",
       "To {action} a grievance, write remarks of at least {min_length} characters saying why.",
       "शिकायत पर {action} कार्रवाई के लिए कम से कम {min_length} अक्षरों की टिप्पणी में कारण लिखें।"),
    _r("remarks_required.correction",
       "Say in the remarks (at least {min_length} characters) how you checked the employee's number.",
       "टिप्पणी में (कम से कम {min_length} अक्षर) बताएं कि आपने कर्मचारी का नंबर कैसे जाँचा।"),
    _c("invalid_reason_code", "A rejection needs one of the programme's reason codes",
       "अस्वीकृति के लिए कार्यक्रम का कोई एक कारण कोड चाहिए",
       "Name the reason for rejecting in reason_code, one of: {allowed}.",
       "reason_code में अस्वीकृति का कारण दें, इनमें से एक: {allowed}।"),
    _c("mismatch_uncertified", "Certify the roll mismatches before verifying",
       "सत्यापन से पहले रोल से अंतर को प्रमाणित करें",
       "The record differs from the roll in: {fields}. Certify what is genuine (certify_mismatches) or send it "
       "back.",
       "रिकॉर्ड इनमें रोल से भिन्न है: {fields}। जो सही है उसे प्रमाणित करें (certify_mismatches) या रिकॉर्ड "
       "वापस भेजें।"),
    _c("document_not_ok", "A required document was marked not ok", "एक आवश्यक दस्तावेज़ ठीक नहीं बताया गया है",
       "A required document was marked not ok ({document_ids}); send the record back instead.",
       "एक आवश्यक दस्तावेज़ ठीक नहीं बताया गया है ({document_ids}); इसके बजाय रिकॉर्ड वापस भेजें।"),
    _c("unknown_document", "A document check names a document this registration does not have",
       "दस्तावेज़ जाँच में ऐसा दस्तावेज़ है जो इस पंजीकरण में नहीं है",
       "These are not the record's current documents: {document_ids}. Read the record again and check its "
       "current documents.",
       "ये रिकॉर्ड के वर्तमान दस्तावेज़ नहीं हैं: {document_ids}। रिकॉर्ड फिर से खोलें और वर्तमान दस्तावेज़ जाँचें।"),
    _c("decision_not_allowed", "This decision cannot be taken here", "यह निर्णय यहाँ नहीं लिया जा सकता",
       "After the deadline a record cannot be sent back for corrections; verify or reject it.",
       "अंतिम तिथि के बाद रिकॉर्ड सुधार के लिए वापस नहीं भेजा जा सकता; इसे सत्यापित या अस्वीकृत करें।"),
    _c("no_decision", "No decision has been recorded yet", "अभी कोई निर्णय दर्ज नहीं हुआ है",
       "No decision has been recorded on this registration yet. Ask again after the DDO decides.",
       "इस पंजीकरण पर अभी कोई निर्णय दर्ज नहीं हुआ है। DDO के निर्णय के बाद फिर देखें।"),
    _c("already_decided", "This request has already been decided", "इस अनुरोध पर निर्णय हो चुका है",
       "This request was {current_status} already; read the queue again.",
       "इस अनुरोध पर पहले ही निर्णय ({current_status}) हो चुका है; कतार फिर से खोलें।"),
    # ------------------------------------------------------------------ lists and requests
    _c("invalid_cursor", "The cursor is not valid", "cursor मान्य नहीं है",
       "The cursor is not one this API gave out. Start again without it.",
       "यह cursor इस API द्वारा नहीं दिया गया। इसके बिना फिर से शुरू करें।"),
    _r("invalid_cursor.other_list",
       "That cursor belongs to another list; start again without it.",
       "यह cursor किसी दूसरी सूची का है; इसके बिना फिर से शुरू करें।"),
    _c("request_in_progress", "The same request is still being processed", "यही अनुरोध अभी प्रक्रिया में है",
       "A request with this Idempotency-Key is still running. Wait a few seconds and send it again with the "
       "same key.",
       "इस Idempotency-Key वाला अनुरोध अभी चल रहा है। कुछ सेकंड रुककर इसे उसी key के साथ फिर भेजें।"),
    _c("idempotency_key_reused", "This Idempotency-Key was used for a different request",
       "यह Idempotency-Key किसी दूसरे अनुरोध में उपयोग हो चुकी है",
       "Use a new Idempotency-Key for a different request.",
       "दूसरे अनुरोध के लिए नई Idempotency-Key का उपयोग करें।"),
    _c("programme_unavailable", "The programme's settings cannot be read right now",
       "कार्यक्रम की सेटिंग अभी पढ़ी नहीं जा सकी",
       "The programme's settings could not be read just now. Try again in a minute.",
       "कार्यक्रम की सेटिंग अभी पढ़ी नहीं जा सकी। एक मिनट बाद फिर प्रयास करें।"),
    _c("busy", "Busy, try again", "व्यस्त है, फिर प्रयास करें",
       "The record is being changed by someone else right now; try again in a few seconds.",
       "रिकॉर्ड अभी कोई और बदल रहा है; कुछ सेकंड बाद फिर प्रयास करें।"),
    _r("busy.otp_being_checked",
       "This OTP is being checked by another request; wait a moment and try again.",
       "यह OTP किसी दूसरे अनुरोध द्वारा जाँचा जा रहा है; थोड़ा रुककर फिर प्रयास करें।"),
    _r("busy.sign_in",
       "Too many sign-in requests at this moment; try again in a few seconds.",
       "इस समय बहुत अधिक साइन-इन अनुरोध हैं; कुछ सेकंड बाद फिर प्रयास करें।"),
    _c("service_unavailable", "The portal could not finish this just now; try again shortly",
       "पोर्टल अभी यह पूरा नहीं कर सका; थोड़ी देर बाद फिर प्रयास करें",
       "A service the portal relies on did not answer in time, and nothing was changed. Send the same request "
       "again in {retry_after_seconds} seconds (with the same Idempotency-Key, if you sent one).",
       "पोर्टल जिस सेवा पर निर्भर है, उसने समय पर उत्तर नहीं दिया, और कुछ भी नहीं बदला गया। {retry_after_seconds} "
       "सेकंड बाद वही अनुरोध फिर भेजें (यदि आपने Idempotency-Key भेजी थी, तो वही)।"),
    _r("service_unavailable.throttled",
       "The portal is receiving more requests than it can serve this moment, and nothing was changed. Send the "
       "same request again in {retry_after_seconds} seconds (with the same Idempotency-Key, if you sent one).",
       "पोर्टल पर इस समय क्षमता से अधिक अनुरोध आ रहे हैं, और कुछ भी नहीं बदला गया। {retry_after_seconds} सेकंड "
       "बाद वही अनुरोध फिर भेजें (यदि आपने Idempotency-Key भेजी थी, तो वही)।"),
    _r("service_unavailable.unavailable",
       "A service the portal relies on did not answer in time, and nothing was changed. Send the same request "
       "again in {retry_after_seconds} seconds (with the same Idempotency-Key, if you sent one).",
       "पोर्टल जिस सेवा पर निर्भर है, उसने समय पर उत्तर नहीं दिया, और कुछ भी नहीं बदला गया। {retry_after_seconds} "
       "सेकंड बाद वही अनुरोध फिर भेजें (यदि आपने Idempotency-Key भेजी थी, तो वही)।"),
    # ------------------------------------------------------------------ grievances
    _c("invalid_transition", "This action is not allowed in the grievance's current state",
       "शिकायत की वर्तमान स्थिति में यह कार्रवाई संभव नहीं",
       "The action {action} is not allowed on a {current_status} grievance at {level}. Read the grievance again "
       "to see what you can do.",
       "{level} पर {current_status} स्थिति वाली शिकायत पर {action} कार्रवाई संभव नहीं है। क्या किया जा सकता "
       "है, यह देखने के लिए शिकायत फिर से खोलें।"),
    _r("invalid_transition.no_more_attachments",
       "A {current_status} grievance takes no more attachments. If you have more to say, file a new grievance.",
       "{current_status} स्थिति वाली शिकायत में और संलग्नक नहीं जोड़े जा सकते। और कुछ कहना हो, तो नई शिकायत "
       "दर्ज करें।"),
    _c("reassign_limit", "The grievance has been reassigned as often as allowed",
       "शिकायत अनुमत सीमा तक दूसरे कार्यालय को भेजी जा चुकी है",
       "A grievance may be reassigned at most {max_reassignments} times; escalate it instead.",
       "एक शिकायत अधिकतम {max_reassignments} बार दूसरे कार्यालय को भेजी जा सकती है; इसके बजाय इसे आगे "
       "(escalate) भेजें।"),
    _c("unknown_unit", "No such grievance unit", "ऐसी कोई शिकायत इकाई नहीं है",
       "Name another grievance unit of the programme in to_unit, one of: {units}.",
       "to_unit में कार्यक्रम की कोई दूसरी शिकायत इकाई दें, इनमें से एक: {units}।"),
    _c("unknown_category", "No such grievance category", "ऐसी कोई शिकायत श्रेणी नहीं है",
       "There is no grievance category {category}. Choose one of: {categories}.",
       "शिकायत श्रेणी {category} नहीं है। इनमें से एक चुनें: {categories}।"),
    _c("no_grievance_unit", "No office is set up to receive this grievance yet",
       "इस शिकायत को लेने के लिए अभी कोई कार्यालय तय नहीं है",
       "No grievance unit is set up for your office yet; the helpdesk has been told. Try again tomorrow.",
       "आपके कार्यालय के लिए अभी कोई शिकायत इकाई तय नहीं है; हेल्पडेस्क को सूचित कर दिया गया है। कल फिर प्रयास करें।"),
    _c("grievance_limit", "You have filed as many grievances this month as allowed",
       "इस माह आप अनुमत संख्या में शिकायतें दर्ज कर चुके हैं",
       "You have filed {limit} grievances this month; you can file again from {opens_on}. Until then, add to an "
       "open grievance of yours.",
       "आप इस माह {limit} शिकायतें दर्ज कर चुके हैं; {opens_on} से फिर दर्ज कर सकेंगे। तब तक अपनी किसी खुली "
       "शिकायत में जानकारी जोड़ें।"),
    _c("attachment_not_ready", "An attachment has not been uploaded and checked yet",
       "एक संलग्नक अभी अपलोड और जाँचा नहीं गया है",
       "Attachment {attachment_id} is not an uploaded and checked file of this grievance; upload it and confirm "
       "it first.",
       "संलग्नक {attachment_id} इस शिकायत की अपलोड और जाँची गई फ़ाइल नहीं है; पहले इसे अपलोड करें और पुष्टि करें।"),
    # ------------------------------------------------------------------ OTP and sessions
    _c("otp_invalid", "The OTP is not correct", "OTP सही नहीं है",
       "That OTP is not correct. Check the SMS and try again ({attempts_left} tries left).",
       "यह OTP सही नहीं है। SMS देखकर फिर प्रयास करें ({attempts_left} प्रयास शेष)।"),
    _r("otp_invalid.last_try",
       "That OTP is not correct, and it was the last try. Request a new OTP.",
       "यह OTP सही नहीं है, और यह अंतिम प्रयास था। नया OTP मंगाएं।"),
    _c("otp_locked", "Too many wrong OTPs for this request", "इस अनुरोध के लिए बहुत अधिक गलत OTP",
       "Too many wrong OTPs were entered for this request. Request a new OTP.",
       "इस अनुरोध के लिए बहुत बार गलत OTP डाला गया। नया OTP मंगाएं।"),
    _c("otp_expired", "The OTP has expired", "OTP की समय-सीमा समाप्त हो गई है",
       "This OTP has expired (they last 5 minutes). Request a new one.",
       "इस OTP की समय-सीमा समाप्त हो गई (OTP 5 मिनट तक मान्य रहता है)। नया OTP मंगाएं।"),
    _c("otp_used", "This OTP has already been used", "यह OTP पहले ही उपयोग हो चुका है",
       "This OTP has already been used to sign in. Request a new one to sign in again.",
       "इस OTP से पहले ही साइन-इन हो चुका है। फिर से साइन-इन करने के लिए नया OTP मंगाएं।"),
    _c("too_many_requests", "Too many requests", "बहुत अधिक अनुरोध",
       "Too many requests from your network just now. Try again in {retry_after_seconds} seconds.",
       "आपके नेटवर्क से अभी बहुत अधिक अनुरोध आए हैं। {retry_after_seconds} सेकंड बाद फिर प्रयास करें।"),
    _r("too_many_requests.resend",
       "Wait {retry_after_seconds} seconds before asking again (an SMS can take a minute to arrive).",
       "फिर से मंगाने से पहले {retry_after_seconds} सेकंड रुकें (SMS आने में एक मिनट लग सकता है)।"),
    _r("too_many_requests.hour",
       "As many requests as allowed in an hour have been made for this employee code. Try again at {retry_at}.",
       "इस कर्मचारी कोड के लिए एक घंटे में अनुमत सभी अनुरोध हो चुके हैं। {retry_at} पर फिर प्रयास करें।"),
    _r("too_many_requests.day",
       "As many requests as allowed today have been made for this employee code. Try again tomorrow; if the OTP "
       "never arrives, ask your DDO to correct your mobile number (POST /v1/auth/help).",
       "इस कर्मचारी कोड के लिए आज के अनुमत सभी अनुरोध हो चुके हैं। कल फिर प्रयास करें; यदि OTP आता ही नहीं, "
       "तो अपने DDO से अपना मोबाइल नंबर सुधरवाएं (POST /v1/auth/help)।"),
    _c("refresh_invalid", "The session cannot be renewed", "सत्र आगे नहीं बढ़ाया जा सकता",
       "This session has ended or was signed out. Sign in again with an OTP.",
       "यह सत्र समाप्त हो गया या साइन-आउट हो गया। OTP से फिर साइन-इन करें।"),
    _c("sign_in_unavailable", "Sign-in is not available right now", "साइन-इन अभी उपलब्ध नहीं है",
       "Sign-in could not be completed just now. Send the same OTP again in a few seconds; if it has expired, "
       "request a new one.",
       "साइन-इन अभी पूरा नहीं हो सका। कुछ सेकंड बाद वही OTP फिर भेजें; यदि उसकी समय-सीमा बीत गई हो, तो नया OTP "
       "मंगाएं।"),
    # ------------------------------------------------------------------ mobile corrections
    _c("correction_pending", "A mobile-correction request of this employee is pending",
       "इस कर्मचारी का मोबाइल सुधार अनुरोध लंबित है",
       "A help request of this employee ({correction_id}) is pending: approve or reject it in your queue.",
       "इस कर्मचारी का एक सहायता अनुरोध ({correction_id}) लंबित है: अपनी कतार में उसे स्वीकृत या अस्वीकृत करें।"),
    _c("mobile_unchanged", "The roll already has this mobile number", "रोल पर पहले से यही मोबाइल नंबर है",
       "The roll already has this number: nothing to correct. Check the number you typed.",
       "रोल पर पहले से यही नंबर है: सुधारने को कुछ नहीं। आपने जो नंबर लिखा है, उसे जाँच लें।"),
    # ------------------------------------------------------------------ certificates and the log
    _c("not_verified", "A certificate is issued only for a VERIFIED registration",
       "प्रमाणपत्र केवल VERIFIED पंजीकरण का जारी होता है",
       "This registration is {current_status}; a certificate is issued once it is VERIFIED. Ask again after your "
       "DDO verifies it.",
       "यह पंजीकरण {current_status} है; प्रमाणपत्र VERIFIED होने पर जारी होता है। DDO के सत्यापन के बाद फिर "
       "मांगें।"),
    _c("certificate_pending", "The certificate is not ready yet", "प्रमाणपत्र अभी तैयार नहीं है",
       "The verification is being entered in the public transparency log, which the certificate cites; try "
       "again after {ready_by}.",
       "सत्यापन सार्वजनिक पारदर्शिता लॉग में दर्ज किया जा रहा है, जिसका उल्लेख प्रमाणपत्र में होता है; "
       "{ready_by} के बाद फिर प्रयास करें।"),
    _c("certificate_revoked", "The certificate was revoked", "प्रमाणपत्र रद्द कर दिया गया",
       "Certificate {serial} was revoked: {revocation_reason}. A record whose attested details are corrected "
       "gets a new one; file a grievance if you think this is wrong.",
       "प्रमाणपत्र {serial} रद्द कर दिया गया: {revocation_reason}। जिस रिकॉर्ड का विवरण सुधारा जाता है, उसे नया "
       "प्रमाणपत्र मिलता है; यदि आपको यह गलत लगे, तो शिकायत दर्ज करें।"),
    _c("certificate_not_valid", "Only a valid certificate can be revoked", "केवल मान्य प्रमाणपत्र ही रद्द हो सकता है",
       "Certificate {serial} is already {current_status}; nothing to revoke.",
       "प्रमाणपत्र {serial} पहले से {current_status} है; रद्द करने को कुछ नहीं।"),
    _c("checkpoint_not_found", "No such checkpoint", "ऐसा कोई checkpoint नहीं है",
       "No checkpoint was issued at tree size {tree_size}; ask for the latest checkpoint and use its size.",
       "tree size {tree_size} पर कोई checkpoint जारी नहीं हुआ; नवीनतम checkpoint मंगाएं और उसका size उपयोग करें।"),
    _r("checkpoint_not_found.none_yet",
       "No checkpoint has been issued yet; one is issued every hour. Try again in an hour.",
       "अभी तक कोई checkpoint जारी नहीं हुआ; हर घंटे एक जारी होता है। एक घंटे बाद फिर प्रयास करें।"),
    _c("invalid_proof_range", "No proof between these tree sizes", "इन tree size के बीच कोई proof नहीं",
       "A consistency proof goes from a smaller tree to a larger one (1 <= from <= to); you asked from "
       "{from_size} to {to_size}.",
       "consistency proof छोटे tree से बड़े tree तक होता है (1 <= from <= to); आपने {from_size} से {to_size} "
       "तक मांगा।"),
    # ------------------------------------------------------------------ answered by core.http itself
    _c("validation_error", "The request is not valid", "अनुरोध मान्य नहीं है",
       "One or more fields are missing or wrong; errors lists each one. Correct them and send again.",
       "एक या अधिक फ़ील्ड छूटे हैं या गलत हैं; errors में हर एक दिया गया है। उन्हें सुधार कर फिर भेजें।"),
    _c("route_not_found", "No such route", "ऐसा कोई route नहीं है",
       "Check the method and path against the API document (/openapi.json).",
       "method और path को API दस्तावेज़ (/openapi.json) से मिलाकर जाँचें।"),
    _c("unsupported_media_type", "The body is not JSON", "अनुरोध का body JSON नहीं है",
       "Send the request body as JSON, with the header Content-Type: application/json.",
       "अनुरोध का body JSON में भेजें, header Content-Type: application/json के साथ।"),
    _c("body_too_large", "The request body is too large", "अनुरोध का body बहुत बड़ा है",
       "A request body may be at most {limit_kb} KB; this one is {size_kb} KB. Send only the fields the "
       "route takes; files go through the upload URL, never in the body.",
       "अनुरोध का body अधिकतम {limit_kb} KB हो सकता है; यह {size_kb} KB है। केवल वही फ़ील्ड भेजें जो यह "
       "route लेता है; फ़ाइलें upload URL से भेजें, body में कभी नहीं।"),
    _c("invalid_encoding", "The request body is not UTF-8 text", "अनुरोध का body UTF-8 text नहीं है",
       "Send the JSON body encoded as UTF-8 (what every JSON library writes by default), then send again.",
       "JSON body को UTF-8 में encode करके भेजें (हर JSON library यही करती है), फिर दोबारा भेजें।"),
    _c("uri_too_long", "The address is too long", "पता (URL) बहुत लंबा है",
       "The request's address is longer than the API accepts. Send shorter query values; a list's cursor "
       "is the only long one, and it fits.",
       "अनुरोध का पता API की सीमा से लंबा है। query के मान छोटे भेजें; सूची का cursor ही लंबा होता है, और "
       "वह सीमा में आता है।"),
    _c("headers_too_large", "The request headers are too large", "अनुरोध के header बहुत बड़े हैं",
       "The address and headers together may be at most 10 KB. Send fewer or shorter headers (a large "
       "cookie, say) and try again.",
       "पता और header मिलकर अधिकतम 10 KB हो सकते हैं। कम या छोटे header भेजें (जैसे बड़ी cookie हटाएँ) और "
       "फिर कोशिश करें।"),
    _c("internal_error", "Something went wrong on our side", "हमारी ओर से कुछ गड़बड़ हो गई",
       "A change is saved whole or not at all: open the record to see whether yours was, and if not, try "
       "again in a minute. If it happens again, tell the helpdesk the correlation id {correlation_id}.",
       "कोई भी बदलाव पूरा सहेजा जाता है या बिल्कुल नहीं: रिकॉर्ड खोलकर देखें कि आपका बदलाव सहेजा गया या नहीं; "
       "नहीं तो एक मिनट बाद फिर कोशिश करें। दोबारा हो तो helpdesk को correlation id {correlation_id} बताएँ।"),
)  # fmt: skip

# Answered by core.http itself, not by a DomainError.
CODES_OF_HTTP = (
    "validation_error",
    "route_not_found",
    "unsupported_media_type",
    "internal_error",
    "uri_too_long",  # these two by the gateway, before any function
    "headers_too_large",
)

_BY_KEY = {text.key: text for text in TEXTS}
if len(_BY_KEY) != len(TEXTS):  # pragma: no cover - a typo in the data above
    raise ValueError("problem text keys must be unique")


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""  # never fail an answer for a missing value; a unit test makes sure none is missing


class RenderedProblem(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    title: str
    detail: str
    language: Language


def text_for(key: str) -> ProblemText | None:
    return _BY_KEY.get(key)


def render_problem(code: str, reason: str, params: Mapping[str, Any], language: Language) -> RenderedProblem:
    """The title and detail of `code` (in the situation `reason`) in `language`."""
    base = _BY_KEY[code]
    situation = _BY_KEY.get(f"{code}.{reason}", base) if reason else base
    values = _Blank({name: for_people(value, language) for name, value in params.items()})
    hindi = language == Language.HI
    title = (situation.title_hi if hindi else situation.title_en) or (base.title_hi if hindi else base.title_en)
    detail = situation.detail_hi if hindi else situation.detail_en
    formatter = string.Formatter()
    return RenderedProblem(
        title=formatter.vformat(title or "", (), values),
        detail=formatter.vformat(detail, (), values),
        language=language,
    )
