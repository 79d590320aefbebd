#include "storage/message_json.hpp"

namespace tend {

void to_json(nlohmann::json& j, const Button& b) {
  j = {{"label", b.label}, {"action_id", b.action_id}, {"value", b.value}};
}
void from_json(const nlohmann::json& j, Button& b) {
  b.label = j.value("label", "");
  b.action_id = j.value("action_id", "");
  b.value = j.value("value", "");
}
void to_json(nlohmann::json& j, const FormField& f) {
  j = {{"id", f.id}, {"label", f.label}, {"choices", f.choices}, {"optional", f.optional}};
}
void from_json(const nlohmann::json& j, FormField& f) {
  f.id = j.value("id", "");
  f.label = j.value("label", "");
  f.choices = j.value("choices", std::vector<Button>{});
  f.optional = j.value("optional", false);
}
void to_json(nlohmann::json& j, const Form& f) {
  j = {
      {"action_id", f.action_id}, {"title", f.title}, {"submit_label", f.submit_label}, {"fields", f.fields}};
}
void from_json(const nlohmann::json& j, Form& f) {
  f.action_id = j.value("action_id", "");
  f.title = j.value("title", "");
  f.submit_label = j.value("submit_label", "");
  f.fields = j.value("fields", std::vector<FormField>{});
}
void to_json(nlohmann::json& j, const Message& m) {
  j = {{"text", m.text}};
  if (!m.buttons.empty()) j["buttons"] = m.buttons;
  if (m.form) j["form"] = *m.form;
}
void from_json(const nlohmann::json& j, Message& m) {
  m.text = j.value("text", "");
  m.buttons = j.value("buttons", std::vector<Button>{});
  if (j.contains("form")) m.form = j.at("form").get<Form>();
}

}  // namespace tend
