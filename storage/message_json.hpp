#pragma once
// How a Message is kept in the outbox and in the inbound replies table.
#include <nlohmann/json.hpp>

#include "base/message.hpp"

namespace tend {

void to_json(nlohmann::json& j, const Button& b);
void from_json(const nlohmann::json& j, Button& b);
void to_json(nlohmann::json& j, const FormField& f);
void from_json(const nlohmann::json& j, FormField& f);
void to_json(nlohmann::json& j, const Form& f);
void from_json(const nlohmann::json& j, Form& f);
void to_json(nlohmann::json& j, const Message& m);
void from_json(const nlohmann::json& j, Message& m);

}  // namespace tend
