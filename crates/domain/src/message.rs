//! Messages to people (sign-up confirmations with their check-in codes, reminders the day before
//! a shift, booking and loan decisions, rectification notices and deadlines): their kinds, which a
//! person may opt out of one by one, and the states of a message in the outbox.

use crate::code::code_enum;

code_enum!(MessageKind, "kind", "消息类别" {
    SignupConfirmed => "signup_confirmed", "报名确认（含签到码）";
    ShiftReminder => "shift_reminder", "上岗前一天提醒";
    BookingDecision => "booking_decision", "空间预约审核结果";
    LoanDecision => "loan_decision", "青创贷款办理进展";
    RectificationNotice => "rectification_notice", "整改通知与到期提醒";
});

code_enum!(MessageState, "state", "发送状态" {
    Pending => "pending", "待发送";
    Sending => "sending", "发送中";
    Sent => "sent", "已发送";
    Failed => "failed", "发送失败（已停止重试）";
    OptedOut => "opted_out", "对方已退订，未发送";
});
