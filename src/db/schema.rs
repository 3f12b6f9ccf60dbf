//! Table definitions shared by both backends (kept in step with `migrations/`).

diesel::table! {
    consultations (id) {
        id -> Integer,
        seed_key -> Nullable<Text>,
        title -> Text,
        issuer -> Text,
        notice -> Text,
        how_to_comment -> Text,
        starts_on -> Date,
        ends_on -> Date,
        short_period_reason -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        feedback_text -> Nullable<Text>,
        feedback_published_at -> Nullable<Timestamp>,
        opinion_count -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        owner_id -> Nullable<Integer>,
        feedback_table_title -> Nullable<Text>,
        agency_id -> Integer,
        // Bumped when an opinion's text comes, changes or goes / a decision changes (2026-12-10-100001).
        texts_version -> BigInt,
        decisions_version -> BigInt,
    }
}

diesel::table! {
    drafts (id) {
        id -> Integer,
        consultation_id -> Integer,
        version_label -> Text,
        title -> Text,
        source_name -> Text,
        source_format -> Text,
        source_encoding -> Text,
        is_current -> Bool,
        created_at -> Timestamp,
        version_no -> Integer,
        explanation -> Nullable<Text>,
        pending -> Bool,
        toc -> Nullable<Text>,
        notice -> Nullable<Text>,
        notice_is_announcement -> Bool,
    }
}

diesel::table! {
    sections (id) {
        id -> Integer,
        draft_id -> Integer,
        position -> Integer,
        parent_id -> Nullable<Integer>,
        level -> Integer,
        kind -> Text,
        number -> Text,
        heading -> Text,
        body -> Text,
        anchor -> Text,
        opinion_count -> Integer,
    }
}

diesel::table! {
    opinions (id) {
        id -> Integer,
        consultation_id -> Integer,
        section_id -> Nullable<Integer>,
        source -> Text,
        channel -> Text,
        author_name -> Text,
        contact -> Nullable<Text>,
        contact_kind -> Nullable<Text>,
        body -> Text,
        original_text -> Nullable<Text>,
        proposed_text -> Nullable<Text>,
        receipt_code -> Nullable<Text>,
        client_hash -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        fingerprint -> Text,
        flagged -> Bool,
        flag_reason -> Nullable<Text>,
        decision -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
        created_at -> Timestamp,
        department_id -> Nullable<Integer>,
        invitation_id -> Nullable<Integer>,
        seq -> Nullable<Integer>,
        attachment_id -> Nullable<Integer>,
        round_no -> Integer,
        taken_up_section_id -> Nullable<Integer>,
    }
}

diesel::table! {
    decision_counts (consultation_id, decision) {
        consultation_id -> Integer,
        decision -> Text,
        count -> Integer,
    }
}

diesel::table! {
    opinion_days (consultation_id, day) {
        consultation_id -> Integer,
        day -> Date,
        count -> Integer,
    }
}

diesel::table! {
    departments (id) {
        id -> Integer,
        name -> Text,
        emails -> Text,
        contact_person -> Text,
        phone -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> Integer,
        consultation_id -> Integer,
        department_id -> Integer,
        position -> Integer,
        deadline -> Date,
        invited_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        responded_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        reply -> Nullable<Text>,
        reply_contact_person -> Nullable<Text>,
        reply_contact_phone -> Nullable<Text>,
        overdue_at -> Nullable<Timestamp>,
        round_no -> Integer,
    }
}

diesel::table! {
    invitation_tokens (id) {
        id -> Integer,
        invitation_id -> Integer,
        token_hash -> Text,
        purpose -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> Integer,
        consultation_id -> Integer,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Integer,
        stored_name -> Text,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    captcha_challenges (id) {
        id -> Text,
        kind -> Text,
        answer -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        hits -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    decision_log (id) {
        id -> Integer,
        opinion_id -> Integer,
        actor_id -> Nullable<Integer>,
        actor_name -> Text,
        from_decision -> Nullable<Text>,
        from_reason -> Nullable<Text>,
        to_decision -> Nullable<Text>,
        to_reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(decision_log -> opinions (opinion_id));

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

// Versions of a draft (2026-12-06-100001_draft_versions).
diesel::table! {
    section_links (from_section_id, to_section_id) {
        from_section_id -> Integer,
        to_section_id -> Integer,
        to_draft_id -> Integer,
        change -> Text,
        basis -> Text,
    }
}
diesel::joinable!(section_links -> drafts (to_draft_id));

diesel::joinable!(consultations -> users (owner_id));
diesel::joinable!(drafts -> consultations (consultation_id));
diesel::joinable!(sections -> drafts (draft_id));
diesel::joinable!(opinions -> consultations (consultation_id));
diesel::joinable!(opinion_days -> consultations (consultation_id));
diesel::joinable!(decision_counts -> consultations (consultation_id));
diesel::joinable!(opinions -> sections (section_id));
diesel::joinable!(opinions -> departments (department_id));
diesel::joinable!(opinions -> invitations (invitation_id));
diesel::joinable!(opinions -> attachments (attachment_id));
diesel::joinable!(invitations -> consultations (consultation_id));
diesel::joinable!(invitations -> departments (department_id));
diesel::joinable!(invitation_tokens -> invitations (invitation_id));

// Agencies (单位) and their staff.
diesel::table! {
    agencies (id) {
        id -> Integer,
        name -> Text,
        short_name -> Text,
        parent_id -> Nullable<Integer>,
        contact -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agency_members (agency_id, user_id) {
        agency_id -> Integer,
        user_id -> Integer,
        role -> Text,
    }
}

diesel::joinable!(consultations -> agencies (agency_id));
diesel::joinable!(agency_members -> agencies (agency_id));
diesel::joinable!(agency_members -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    consultations,
    drafts,
    sections,
    opinions,
    opinion_days,
    decision_counts,
    captcha_challenges,
    rate_limits,
    outbox,
    departments,
    invitations,
    invitation_tokens,
    attachments,
    decision_log,
    users,
    agencies,
    agency_members,
    section_links,
);

// Staff sessions kept on the server (hardening).
diesel::table! {
    staff_sessions (id_hash) {
        id_hash -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

// The staff audit log (hardening).
diesel::table! {
    staff_audit (id) {
        id -> Integer,
        at -> Timestamp,
        actor_id -> Nullable<Integer>,
        actor -> Text,
        action -> Text,
        subject -> Text,
    }
}

// Files published with a version of a draft (2026-12-06-700001_version_materials).
diesel::table! {
    version_materials (id) {
        id -> Integer,
        draft_id -> Integer,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Integer,
        stored_name -> Text,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}
diesel::joinable!(version_materials -> drafts (draft_id));
diesel::allow_tables_to_appear_in_same_query!(version_materials, drafts);

// Rounds of a consultation (2026-12-07-300001_consultation_rounds).
diesel::table! {
    consultation_rounds (consultation_id, number) {
        consultation_id -> Integer,
        number -> Integer,
        draft_id -> Nullable<Integer>,
        starts_on -> Date,
        ends_on -> Date,
        short_period_reason -> Nullable<Text>,
        feedback_published_at -> Nullable<Timestamp>,
        feedback_text -> Nullable<Text>,
        created_at -> Timestamp,
    }
}
diesel::joinable!(consultation_rounds -> consultations (consultation_id));
diesel::joinable!(consultation_rounds -> drafts (draft_id));
diesel::allow_tables_to_appear_in_same_query!(consultation_rounds, consultations);
diesel::allow_tables_to_appear_in_same_query!(consultation_rounds, drafts);
diesel::allow_tables_to_appear_in_same_query!(consultation_rounds, opinions);

// API tokens of the staff API (2026-12-07-200001_api_tokens).
diesel::table! {
    api_tokens (id) {
        id -> Integer,
        agency_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_by -> Nullable<Integer>,
        creator_name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}
diesel::joinable!(api_tokens -> agencies (agency_id));
diesel::allow_tables_to_appear_in_same_query!(api_tokens, agencies);

// Opinions sent with the text question (2026-12-07-600001_question_answers).
diesel::table! {
    question_answers (id) {
        id -> Integer,
        consultation_id -> Integer,
        client_hash -> Text,
        answered_at -> Timestamp,
    }
}
diesel::joinable!(question_answers -> consultations (consultation_id));
diesel::allow_tables_to_appear_in_same_query!(question_answers, consultations);

// The row every readiness check writes (2026-12-07-600002_ready_heartbeat).
diesel::table! {
    ready_heartbeat (id) {
        id -> Integer,
        beat_at -> Timestamp,
    }
}

// What the groups page keeps of each opinion's text (2026-12-08-150001_opinion_signatures).
diesel::table! {
    opinion_signatures (opinion_id) {
        opinion_id -> Integer,
        consultation_id -> Integer,
        version -> SmallInt,
        copy_hash -> BigInt,
        bag -> Binary,
        band_keys -> Binary,
        digest -> BigInt,
    }
}
diesel::joinable!(opinion_signatures -> opinions (opinion_id));
diesel::allow_tables_to_appear_in_same_query!(opinion_signatures, opinions);
