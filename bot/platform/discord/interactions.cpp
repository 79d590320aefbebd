#include "bot/platform/discord/interactions.hpp"
#include "bot/platform/discord/json_fields.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "base/text.hpp"

namespace tend::discord {
namespace {

using json = nlohmann::json;

constexpr std::size_t kSignatureChars = 16;  // 12 bytes of HMAC-SHA256, base64url
constexpr std::size_t kLabelBytes = 80;
constexpr std::size_t kModalTitleBytes = 45;
constexpr std::size_t kModalFields = 5;
constexpr std::size_t kChoices = 25;
constexpr std::size_t kDescriptionBytes = 100;

enum InteractionType {
  ping = 1,
  application_command = 2,
  message_component = 3,
  autocomplete = 4,
  modal_submit = 5
};
enum OptionType {
  subcommand = 1,
  subcommand_group = 2,
  string_option = 3,
  integer_option = 4,
  boolean_option = 5,
  user_option = 6
};

const auto& str = detail::string_field;
const auto& member = detail::nested_field;

std::string cut(std::string_view s, std::size_t max_bytes) {
  return std::string(utf8_prefix(s, max_bytes));
}

std::string signature(std::string_view action_id, std::string_view value, std::string_view key) {
  std::string message = "discord|";
  message.append(action_id).append("|").append(value);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i + 2 < 12; i += 3) {
    std::uint32_t n = (mac[i] << 16) | (mac[i + 1] << 8) | mac[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  return out;
}

// The user who acted: `member.user` in a server, `user` in a DM.
platform::Origin origin_of(const json& d) {
  const json& user =
      member(member(d, "member"), "user").empty() ? member(d, "user") : member(member(d, "member"), "user");
  platform::Origin origin;
  origin.user_id = str(user, "id");
  origin.user_name = str(user, "global_name");
  if (origin.user_name.empty()) origin.user_name = str(user, "username");
  origin.channel_id = str(d, "channel_id");
  if (auto id = str(d, "id"); !id.empty()) origin.delivery_ids.push_back(id);
  return origin;
}

// A user option carries a snowflake; Tend's handlers read people as mentions, with the name
// Discord resolved (`<@id|name>`, as Slack escapes them) so someone new is named, not numbered.
std::string mention_of(const std::string& id, const json& resolved) {
  const auto name = mention_name(member(member(resolved, "users"), id.c_str()));
  return name.empty() ? "<@" + id + ">" : "<@" + id + "|" + name + ">";
}

std::string option_value(const json& option, const json& resolved) {
  auto it = option.find("value");
  if (it == option.end()) return {};
  if (it->is_string()) {
    auto type = option.find("type");
    return type != option.end() && *type == user_option ? mention_of(it->get<std::string>(), resolved)
                                                        : it->get<std::string>();
  }
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();
  return {};
}

// Options in their order, subcommand and group names first, joined by single spaces.
void command_words(const json& options, const json& resolved, std::vector<std::string>& out) {
  if (!options.is_array()) return;
  for (const auto& option : options) {
    if (!option.is_object()) continue;
    auto type_it = option.find("type");
    auto type = type_it != option.end() && type_it->is_number_integer() ? type_it->get<int>() : 0;
    if (type == subcommand || type == subcommand_group) {
      // The `what` choice scheme below names no subcommands; real ones are words of the path.
      out.push_back(str(option, "name"));
      command_words(member(option, "options"), resolved, out);
    } else if (auto value = option_value(option, resolved); !value.empty()) {
      out.push_back(std::move(value));
    }
  }
}

Interaction refused(Interaction out, std::string what) {
  out.inbound = Refused{std::move(what)};
  return out;
}

}  // namespace

Interaction decode_interaction(const json& d, std::string_view signing_key) {
  Interaction out;
  out.inbound = Refused{"not an interaction"};
  if (!d.is_object()) return out;
  out.id = str(d, "id");
  out.token = str(d, "token");
  out.application_id = str(d, "application_id");
  auto origin = origin_of(d);
  if (out.id.empty() || out.token.empty()) return refused(std::move(out), "interaction without id or token");
  if (origin.user_id.empty()) return refused(std::move(out), "interaction without a user");
  const json& data = member(d, "data");
  auto type_it = d.find("type");
  auto type = type_it != d.end() && type_it->is_number_integer() ? type_it->get<int>() : 0;
  switch (type) {
    case application_command: {
      // Only CHAT_INPUT (data.type 1, or absent) commands are Tend's; user and message context menus are not.
      if (auto kind = data.find("type"); kind != data.end() && *kind != 1)
        return refused(std::move(out), "context-menu command");
      auto name = str(data, "name");
      if (name.empty()) return refused(std::move(out), "command without a name");
      std::vector<std::string> words;
      command_words(member(data, "options"), member(data, "resolved"), words);
      std::string text;
      for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
      out.inbound = platform::Command{std::move(origin), std::move(name), std::move(text)};
      return out;
    }
    case message_component: {
      if (auto kind = data.find("component_type"); kind == data.end() || *kind != 2)
        return refused(std::move(out), "component other than a button");
      auto verified = verify_custom_id(str(data, "custom_id"), signing_key);
      if (!verified) return refused(std::move(out), "button whose custom_id does not verify");
      out.inbound =
          platform::Action{std::move(origin), std::move(verified->action_id), std::move(verified->value), {}};
      return out;
    }
    case modal_submit: {
      auto verified = verify_custom_id(str(data, "custom_id"), signing_key);
      if (!verified) return refused(std::move(out), "modal whose custom_id does not verify");
      platform::Action action{
          std::move(origin), std::move(verified->action_id), std::move(verified->value), {}};
      for (const auto& row : member(data, "components")) {
        if (!row.is_object()) continue;
        for (const auto& input : member(row, "components"))
          if (input.is_object() && !str(input, "custom_id").empty())
            action.fields[str(input, "custom_id")] = str(input, "value");
      }
      out.inbound = std::move(action);
      return out;
    }
    case ping:
      out = refused(std::move(out), "ping");
      std::get<Refused>(out.inbound).answer = Refused::Answer::pong;
      return out;
    case autocomplete:
      out = refused(std::move(out), "autocomplete");
      std::get<Refused>(out.inbound).answer = Refused::Answer::no_choices;
      return out;
    default:
      return refused(std::move(out), "unknown interaction type");
  }
}

std::string mention_name(const json& user) {
  auto name = str(user, "global_name");
  if (name.empty() || name.find(' ') != std::string::npos) name = str(user, "username");
  std::erase_if(name, [](char c) { return c == '>' || c == '|' || c == ' '; });
  return name;
}

std::optional<std::chrono::system_clock::time_point> snowflake_time(std::string_view id) {
  constexpr std::uint64_t kDiscordEpochMs = 1420070400000;
  if (id.empty() || id.size() > 20 || id.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::uint64_t value = 0;
  for (char c : id) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  return std::chrono::system_clock::time_point(std::chrono::milliseconds((value >> 22) + kDiscordEpochMs));
}

std::string sign_custom_id(std::string_view action_id, std::string_view value, std::string_view key) {
  if (action_id.find('|') != std::string_view::npos) throw std::invalid_argument("action id contains '|'");
  std::string out(action_id);
  out.append("|").append(value).append("|").append(signature(action_id, value, key));
  if (out.size() > kMaxCustomIdBytes)
    throw std::length_error("custom_id over 100 bytes: " + std::string(action_id));
  return out;
}

std::optional<CustomId> verify_custom_id(std::string_view custom_id, std::string_view key) {
  auto first = custom_id.find('|');
  auto last = custom_id.rfind('|');
  if (first == std::string_view::npos || first == last) return std::nullopt;
  auto action_id = custom_id.substr(0, first);
  auto value = custom_id.substr(first + 1, last - first - 1);
  auto given = custom_id.substr(last + 1);
  auto expected = signature(action_id, value, key);
  if (given.size() != kSignatureChars || expected.size() != kSignatureChars ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
    return std::nullopt;
  return CustomId{std::string(action_id), std::string(value)};
}

std::string markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '*') {
      out.push_back(text[i]);
      continue;
    }
    // A Slack bold span: '*', something not starting with a space, '*' on the same line.
    auto close = text.find_first_of("*\n", i + 1);
    if (close != std::string_view::npos && text[close] == '*' && close > i + 1 && text[i + 1] != ' ') {
      out.append("**").append(text.substr(i + 1, close - i - 1)).append("**");
      i = close;
    } else {
      out.append("\\*");  // a lone asterisk stays literal
    }
  }
  return out;
}

std::string timestamp(Instant at) {
  return "<t:" + std::to_string(at.time_since_epoch().count()) + ":f>";
}

json message_body(const Message& message, std::string_view key) {
  json body = {{"content", cut(markdown(message.text), kMaxContentBytes)}};
  json rows = json::array();
  for (std::size_t i = 0; i < message.buttons.size() && rows.size() < kRowsPerMessage; i += kButtonsPerRow) {
    json row = {{"type", 1}, {"components", json::array()}};
    for (std::size_t j = i; j < message.buttons.size() && j < i + kButtonsPerRow; ++j) {
      const auto& b = message.buttons[j];
      row["components"].push_back({{"type", 2},
                                   {"style", 2},
                                   {"label", cut(b.label, kLabelBytes)},
                                   {"custom_id", sign_custom_id(b.action_id, b.value, key)}});
    }
    rows.push_back(std::move(row));
  }
  body["components"] = std::move(rows);
  return body;
}

json callback_message(const Message& message, std::string_view key, bool ephemeral) {
  auto data = message_body(message, key);
  if (ephemeral) data["flags"] = kEphemeralFlag;
  return {{"type", 4}, {"data", std::move(data)}};
}

json callback_deferred(bool ephemeral) {
  json out = {{"type", 5}};
  if (ephemeral) out["data"] = {{"flags", kEphemeralFlag}};
  return out;
}

json callback_modal(const Form& form, std::string_view key) {
  json rows = json::array();
  for (std::size_t i = 0; i < form.fields.size() && i < kModalFields; ++i) {
    const auto& field = form.fields[i];
    json input = {{"type", 4},
                  {"custom_id", field.id},
                  {"label", cut(field.label, kModalTitleBytes)},
                  {"style", field.choices.empty() ? 2 : 1},
                  {"required", !field.optional}};
    if (!field.choices.empty()) {
      // Classic modals hold only text inputs: the choices become the placeholder.
      std::string placeholder;
      for (const auto& c : field.choices) placeholder += (placeholder.empty() ? "" : ", ") + c.value;
      input["placeholder"] = cut(placeholder, kDescriptionBytes);
    }
    rows.push_back({{"type", 1}, {"components", json::array({std::move(input)})}});
  }
  json data = {{"custom_id", sign_custom_id(form.action_id, "", key)},
               {"title", cut(form.title, kModalTitleBytes)},
               {"components", std::move(rows)}};
  return {{"type", 9}, {"data", std::move(data)}};
}

json callback_refused(const Refused& refused, std::string_view help) {
  switch (refused.answer) {
    case Refused::Answer::pong:
      return {{"type", 1}};
    case Refused::Answer::no_choices:
      return {{"type", 8}, {"data", {{"choices", json::array()}}}};
    case Refused::Answer::notice:
      break;
  }
  const std::string text =
      refused.what.find("does not verify") != std::string::npos
          ? "That button or form can't be used any more (it is from an older message, or was not made by "
            "this Tend). Type `" +
                std::string(help) + "` to see what you can do."
          : "That isn't something Tend does here. Its slash commands are what it answers: type `" +
                std::string(help) + "` to see yours.";
  return callback_message(Message{text, {}, {}}, "", /*ephemeral=*/true);
}

namespace {

// A Discord option name: lowercase letters, digits, '-' and '_', at most 32.
std::string option_name(std::string_view word) {
  std::string out;
  for (char c : word) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out.push_back(static_cast<char>(std::tolower(u)));
    else if (c == ' ' || c == '-' || c == '_')
      out.push_back('_');
    if (out.size() == 32) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "value" : out;
}

json options_from_usage(std::string_view usage) {
  json options = json::array();
  std::vector<std::string> seen;
  std::size_t i = 0;
  while (i < usage.size()) {
    while (i < usage.size() && usage[i] == ' ') ++i;
    if (i >= usage.size()) break;
    bool required = true;
    std::string_view token;
    if (usage[i] == '[' || usage[i] == '<') {
      char close = usage[i] == '[' ? ']' : '>';
      required = usage[i] == '<';
      auto end = usage.find(close, i);
      if (end == std::string_view::npos) end = usage.size();
      token = usage.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      auto end = usage.find(' ', i);
      if (end == std::string_view::npos) end = usage.size();
      token = usage.substr(i, end - i);
      i = end;
    }
    json option = {{"type", string_option}, {"required", required}};
    std::string name;
    if (!token.empty() && token.front() == '@') {
      option["type"] = user_option;
      name = option_name(token.substr(1));
    } else if (auto dash = token.find('-'); dash != std::string_view::npos && dash > 0 &&
                                            dash + 1 < token.size() &&
                                            std::isdigit(static_cast<unsigned char>(token[0])) &&
                                            std::isdigit(static_cast<unsigned char>(token[dash + 1]))) {
      option["type"] = integer_option;
      option["min_value"] = std::stoi(std::string(token.substr(0, dash)));
      option["max_value"] = std::stoi(std::string(token.substr(dash + 1)));
      name = "score";
    } else {
      name = option_name(token.substr(0, token.find('|')));
    }
    // An option of the form "…|…" lists its choices.
    if (auto bar = token.find('|'); bar != std::string_view::npos && token.front() != '@') {
      json choices = json::array();
      std::size_t start = 0;
      while (start <= token.size() && choices.size() < kChoices) {
        auto end = token.find('|', start);
        auto choice = std::string(token.substr(start, end == std::string_view::npos ? end : end - start));
        choices.push_back({{"name", choice}, {"value", choice}});
        if (end == std::string_view::npos) break;
        start = end + 1;
      }
      option["choices"] = std::move(choices);
      name = "choice";
    }
    while (std::find(seen.begin(), seen.end(), name) != seen.end()) name += "_";
    seen.push_back(name);
    option["name"] = name;
    option["description"] = cut(std::string(token), kDescriptionBytes);
    options.push_back(std::move(option));
  }
  // Discord requires required options before optional ones; Tend's usages already list them so,
  // and a usage that does not is sent with every option optional rather than reordered.
  bool optional_seen = false;
  for (auto& o : options) {
    if (!o["required"].get<bool>())
      optional_seen = true;
    else if (optional_seen)
      o["required"] = false;
  }
  return options;
}

std::string describe(std::string_view summary, std::string_view fallback) {
  auto text = summary.empty() ? fallback : summary;
  return text.empty() ? "Tend" : cut(text, kDescriptionBytes);
}

}  // namespace

json application_commands(const std::vector<CommandSpec>& families) {
  json out = json::array();
  for (const auto& family : families) {
    json command = {{"name", option_name(family.name)},
                    {"type", 1},
                    {"description", describe(family.summary, family.name)},
                    {"dm_permission", true}};
    bool only_own_form = family.subcommands.size() == 1 && family.subcommands.front().path.empty();
    if (family.subcommands.empty()) {
      command["options"] = json::array();
    } else if (only_own_form) {
      command["options"] = options_from_usage(family.subcommands.front().usage);
    } else {
      json choices = json::array();
      for (const auto& sub : family.subcommands) {
        if (sub.path.empty() || choices.size() == kChoices) continue;
        std::string label = sub.path;
        if (!sub.usage.empty()) label += " " + sub.usage;
        if (!sub.summary.empty()) label += " — " + sub.summary;
        choices.push_back({{"name", cut(label, kDescriptionBytes)}, {"value", sub.path}});
      }
      command["options"] = json::array({{{"name", "what"},
                                         {"type", string_option},
                                         {"required", false},
                                         {"description", "what to do (leave empty for the command itself)"},
                                         {"choices", std::move(choices)}},
                                        {{"name", "args"},
                                         {"type", string_option},
                                         {"required", false},
                                         {"description", "the rest, as in /tend help"}}});
    }
    out.push_back(std::move(command));
  }
  return out;
}

std::string commands_hash(const json& commands) {
  // nlohmann::json keeps object keys sorted, so the dump of equal sets is the same text.
  auto text = commands.dump();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace tend::discord
