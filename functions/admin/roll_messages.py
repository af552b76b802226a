"""What the roll-import report says about a line, in words a clerk understands, in Hindi or English:
data, one entry per kind of problem, `{placeholders}` filled from the line (`{column}` is the
column's name as a clerk knows it, `{value}` what the file says). Pure."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from core.language import Language

# The columns as a clerk knows them (the header names stay as they are: they are the file's).
LABELS: Mapping[str, tuple[str, str]] = {
    "employee_code": ("Employee code", "कर्मचारी कोड"),
    "name": ("Name", "नाम"),
    "father_name": ("Father's or husband's name", "पिता/पति का नाम"),
    "date_of_birth": ("Date of birth", "जन्म तिथि"),
    "gender": ("Gender", "लिंग"),
    "mobile": ("Mobile", "मोबाइल"),
    "email": ("E-mail", "ई-मेल"),
    "family_id": ("Family ID", "परिवार पहचान पत्र (Family ID)"),
    "engagement_type": ("Engagement type", "नियुक्ति का प्रकार"),
    "department": ("Department", "विभाग"),
    "office": ("Office", "कार्यालय"),
    "district": ("District", "ज़िला"),
    "ddo_code": ("DDO code", "DDO कोड"),
    "designation": ("Designation", "पद"),
    "monthly_pay": ("Monthly pay", "मासिक वेतन"),
    "full_time": ("Full time", "पूर्णकालिक"),
    "centrally_sponsored_scheme": ("Centrally sponsored scheme", "केंद्र प्रायोजित योजना"),
    "bank_account_last4": ("Last 4 digits of the bank account", "बैंक खाते के अंतिम 4 अंक"),
}

MESSAGES: Mapping[str, tuple[str, str]] = {
    "required": ("{column} is empty; fill it in.", "{column} खाली है; इसे भरें।"),
    "too_long": ("{column} is longer than 120 characters; shorten it.", "{column} 120 अक्षरों से लंबा है; इसे छोटा करें।"),
    "employee_code": (
        "Employee code {value} must be 3 to 32 capital letters, digits or '-'.",
        "कर्मचारी कोड {value} में 3 से 32 अंग्रेज़ी अक्षर, अंक या '-' होने चाहिए।",
    ),
    "duplicate": (
        "Employee code {value} is already on line {first}; keep one line per employee.",
        "कर्मचारी कोड {value} पंक्ति {first} पर पहले से है; हर कर्मचारी की एक ही पंक्ति रखें।",
    ),
    "date": (
        "{column} {value} is not a date; write it as 1990-08-15 or 15-08-1990.",
        "{column} {value} सही तिथि नहीं है; इसे 1990-08-15 या 15-08-1990 की तरह लिखें।",
    ),
    "too_young": (
        "Date of birth {value} makes the employee younger than {min_age}; check the year.",
        "जन्म तिथि {value} के अनुसार कर्मचारी की आयु {min_age} वर्ष से कम है; वर्ष जाँचें।",
    ),
    "yes_no": ("{column} {value} must be yes or no.", "{column} {value} के स्थान पर yes या no (हाँ या नहीं) लिखें।"),
    "gender": (
        "Gender {value} must be female, male or other (F, M or O).",
        "लिंग {value} के स्थान पर female, male या other (F, M या O) लिखें।",
    ),
    "mobile": (
        "Mobile {value} must be 10 digits starting with 6-9.",
        "मोबाइल {value} में 6-9 से शुरू होने वाले 10 अंक होने चाहिए।",
    ),
    "email": ("E-mail {value} is not an e-mail address.", "ई-मेल {value} सही ई-मेल पता नहीं है।"),
    "family_id": (
        "Family ID {value} must be 8 capital letters or digits.",
        "परिवार पहचान पत्र (Family ID) {value} में 8 अंग्रेज़ी अक्षर या अंक होने चाहिए।",
    ),
    "engagement_type": (
        "Engagement type {value} must be direct_contract, hkrn or outsourcing.",
        "नियुक्ति का प्रकार {value} के स्थान पर direct_contract, hkrn या outsourcing लिखें।",
    ),
    "ddo_code": (
        "DDO code {value} must look like DDO-PKL-001.",
        "DDO कोड {value} DDO-PKL-001 जैसा होना चाहिए।",
    ),
    "unknown_ddo": (
        "DDO code {value} is not one of the programme's DDOs; check it against the DDO list.",
        "DDO कोड {value} कार्यक्रम के DDO में नहीं है; DDO सूची से मिलाकर जाँचें।",
    ),
    "monthly_pay": (
        "Monthly pay {value} must be whole rupees, digits only (for example 32000).",
        "मासिक वेतन {value} केवल अंकों में पूरे रुपये होना चाहिए (जैसे 32000)।",
    ),
    "bank_account_last4": (
        "Last 4 digits of the bank account {value} must be exactly 4 digits.",
        "बैंक खाते के अंतिम 4 अंक {value} ठीक 4 अंक होने चाहिए।",
    ),
    "invalid": ("{column} {value} is not valid; check it.", "{column} {value} मान्य नहीं है; इसे जाँचें।"),
    # Lines imported with a note, and files refused whole.
    "registered": (
        "Registered: left as it is. Changes now go through the employee's DDO.",
        "पंजीकृत: जैसा है वैसा छोड़ा गया। अब बदलाव कर्मचारी के DDO के माध्यम से होंगे।",
    ),
    "kept_certified_mobile": (
        "Kept {kept}, certified by {certified_by} on {certified_on}; the file's {given} was not applied. If the "
        "file is right, ask the DDO to correct the mobile.",
        "{certified_on} को {certified_by} द्वारा प्रमाणित {kept} रखा गया; फ़ाइल का {given} लागू नहीं किया गया। यदि "
        "फ़ाइल सही है, तो DDO से मोबाइल सुधरवाएं।",
    ),
    "file.not_utf8": (
        "The file is not UTF-8 text (byte {position}). Save it as 'CSV UTF-8' and upload it again.",
        "फ़ाइल UTF-8 टेक्स्ट नहीं है (बाइट {position})। इसे 'CSV UTF-8' के रूप में सहेजें और फिर अपलोड करें।",
    ),
    "file.empty": (
        "The file is empty. Upload the roll with its header line.",
        "फ़ाइल खाली है। शीर्ष पंक्ति सहित रोल अपलोड करें।",
    ),
    "file.missing_columns": (
        "Required columns are missing: {columns}. Add them to the header line and upload again.",
        "आवश्यक कॉलम नहीं हैं: {columns}। इन्हें शीर्ष पंक्ति में जोड़कर फिर अपलोड करें।",
    ),
}  # fmt: skip


def label(column: str, language: Language) -> str:
    en, hi = LABELS.get(column, (column, column))
    return hi if language == Language.HI else en


def message(key: str, language: Language, **values: Any) -> str:
    en, hi = MESSAGES[key]
    shown = {name: str(value) for name, value in values.items()}
    if "column" in shown:
        shown["column"] = label(shown["column"], language)
    return string.Formatter().vformat(hi if language == Language.HI else en, (), shown)
