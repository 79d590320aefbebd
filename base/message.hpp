#pragma once
// What a handler answers and what Tend sends on its own: platform-neutral messages. Adapters
// render them (Slack: Block Kit; console: text with numbered buttons).
#include <optional>
#include <string>
#include <vector>

namespace tend {

struct Button {
  std::string label;
  std::string action_id;  // routes the press back to a handler, e.g. "checkin.score"
  std::string value;      // handler-specific, e.g. "4" or a nudge id
  bool operator==(const Button&) const = default;
};

// A small form (Slack: a modal). Platforms without forms show the message's buttons instead, so
// a handler that offers a form also fills `buttons` with the same choices.
struct FormField {
  std::string id;
  std::string label;
  std::vector<Button> choices;  // empty: free text
  bool optional = false;
  bool operator==(const FormField&) const = default;
};

struct Form {
  std::string action_id;  // the submission comes back as an Action with this id and the field values
  std::string title;
  std::string submit_label;
  std::vector<FormField> fields;
  bool operator==(const Form&) const = default;
};

struct Message {
  std::string text;  // Slack mrkdwn subset: *bold*, _italic_, line breaks
  std::vector<Button> buttons;
  std::optional<Form> form;
  bool operator==(const Message&) const = default;
};

// The answer to the person who typed the command or pressed the button; only they see it.
using Reply = Message;

}  // namespace tend
