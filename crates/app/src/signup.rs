//! What a person gives to sign up — for a shift or an activity, on the portal or at the
//! organiser's desk — checked the same way everywhere.

use chrono::NaiveDate;
use qingtuan_domain::person::{GUARDIAN_REQUIRED_UNDER, Gender, IdNumber, Phone, age_on};
use qingtuan_domain::{FieldError, Invalid};

use crate::crypto::random_token;

/// The sign-up form. Without an ID number, gender and birth date are asked for; for a child under
/// 14 on the shift's day, the phone is the guardian's, who gives their name and consents.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignupForm {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub gender: String,
    pub birth_on: String,
    pub guardian_name: String,
    /// `on` when the guardian ticked the consent box.
    pub consent: String,
}

#[derive(Debug)]
pub struct ValidSignup {
    pub name: String,
    pub phone: Phone,
    pub id_number: Option<IdNumber>,
    pub gender: Gender,
    pub birth_on: NaiveDate,
    /// Present for a child under 14 on the day (or any participant of a children's activity).
    pub guardian_name: Option<String>,
}

/// Checks a sign-up form for something held on `on_date`. `guardian_always`: the activity is for
/// children, so a guardian signs up whatever the age.
pub fn validate(
    form: &SignupForm,
    real_name_required: bool,
    on_date: NaiveDate,
    guardian_always: bool,
) -> Result<ValidSignup, Invalid> {
    let mut problems = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        problems.push(FieldError { field: "name", message: "请填写姓名（不超过 50 个字）".into() });
    }
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    let id_number = if form.id_number.trim().is_empty() {
        if real_name_required {
            problems.push(FieldError {
                field: "id_number", message: "本次招募要求实名，请填写身份证号码".into()
            });
        }
        None
    } else {
        IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok()
    };
    let gender = match (&id_number, form.gender.trim()) {
        (Some(id), _) => Some(id.gender()),
        (None, "") => {
            problems.push(FieldError { field: "gender", message: "请选择性别".into() });
            None
        }
        (None, raw) => Gender::parse(raw).map_err(|e| problems.extend(e.0)).ok(),
    };
    let typed_birth = crate::forms::parse_date("birth_on", &form.birth_on).map_err(|e| problems.push(e)).ok().flatten();
    let birth_on = match (id_number.as_ref().and_then(IdNumber::birth_date), typed_birth) {
        (Some(from_id), Some(typed)) if from_id != typed => {
            problems.push(FieldError { field: "birth_on", message: "出生日期与身份证号码不一致".into() });
            None
        }
        (Some(b), _) | (None, Some(b)) => Some(b),
        (None, None) => {
            if id_number.is_none() && form.id_number.trim().is_empty() {
                problems.push(FieldError { field: "birth_on", message: "请填写出生日期".into() });
            }
            None
        }
    };
    let guardian_name = Some(form.guardian_name.trim().to_owned()).filter(|g| !g.is_empty());
    let needs_guardian = |b: NaiveDate| guardian_always || age_on(b, on_date) < GUARDIAN_REQUIRED_UNDER;
    if guardian_always && birth_on.is_some() && (guardian_name.is_none() || form.consent != "on") {
        problems.push(FieldError {
            field: "guardian_name",
            message: "儿童活动须由监护人代为报名：请填写监护人姓名、监护人手机号码，并勾选同意".into(),
        });
    } else if let Some(b) = birth_on
        && needs_guardian(b)
        && (guardian_name.is_none() || form.consent != "on")
    {
        problems.push(FieldError {
            field: "guardian_name",
            message: format!(
                "{GUARDIAN_REQUIRED_UNDER} 周岁以下儿童须由监护人代为报名：请填写监护人姓名、监护人手机号码，并勾选同意"
            ),
        });
    }
    match (phone, gender, birth_on) {
        (Some(phone), Some(gender), Some(birth_on)) if problems.is_empty() => Ok(ValidSignup {
            name,
            phone,
            id_number,
            gender,
            birth_on,
            guardian_name: guardian_name.filter(|_| needs_guardian(birth_on)),
        }),
        _ => Err(Invalid(problems)),
    }
}

/// What the volunteer keeps: the private link's token and a short code.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub token: String,
    pub code: String,
}

impl Receipt {
    /// A new private-link token (256 random bits) and an 8-character code.
    pub(crate) fn new() -> Self {
        let code = random_token().chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>();
        Self { token: random_token(), code: code.to_uppercase() }
    }
}
