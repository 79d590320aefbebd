#include "bot/platform/mattermost/codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "base/text.hpp"

namespace tend::mattermost {
namespace {

using json = nlohmann::json;

// Mattermost limits a post to 16383 characters; bytes are a safe stand-in for characters.
constexpr std::size_t kPostBytes = 16000;
constexpr std::size_t kButtonLabelBytes = 80;
constexpr std::size_t kMaxCommandBytes = 64 * 1024;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& obj(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

std::string cut(std::string_view s, std::size_t max_bytes) {
  return std::string(utf8_prefix(s, max_bytes));
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Some fields are JSON inside a JSON string (posted's data.post and data.mentions).
json nested(const json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return json();
  if (it->is_string()) {
    auto inner = json::parse(it->get_ref<const std::string&>(), nullptr, /*allow_exceptions=*/false);
    return inner.is_discarded() ? json() : inner;
  }
  return *it;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

// Each field is length-prefixed, so that no two different contexts sign the same bytes.
std::string signature(const std::string& action_id, const std::string& value, const std::string& user_id,
                      std::string_view key) {
  std::string message = "tend.mattermost.button.v1";
  for (const auto* field : {&action_id, &value, &user_id}) {
    message += '\n';
    message += std::to_string(field->size());
    message += ':';
    message += *field;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  return hex(mac.data(), length);
}

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(s.data(), s.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

// A '*' opens bold when a word follows it and a '*' that ends a word closes it on the same line.
std::size_t bold_end(std::string_view text, std::size_t open) {
  if (open + 1 >= text.size() || text[open + 1] == ' ' || text[open + 1] == '*' || text[open + 1] == '\n')
    return std::string_view::npos;
  for (auto i = open + 2; i < text.size() && text[i] != '\n'; ++i)
    if (text[i] == '*' && text[i - 1] != ' ') return i;
  return std::string_view::npos;
}

std::int64_t integer(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

// The fields of a post object (REST, or the post inside a posted event) Tend reads.
Post post_of(const json& inner) {
  Post post;
  post.id = str(inner, "id");
  post.channel_id = str(inner, "channel_id");
  post.user_id = str(inner, "user_id");
  post.root_id = str(inner, "root_id");
  post.type = str(inner, "type");
  post.message = str(inner, "message");
  post.create_at = integer(inner, "create_at");
  return post;
}

json button_action(const Button& button, std::size_t index, const ButtonTarget& target) {
  // Mattermost wants action ids of letters and digits only.
  return {{"id", "tend" + std::to_string(index)},
          {"name", cut(button.label, kButtonLabelBytes)},
          {"integration",
           {{"url", target.action_url},
            {"context", signed_context({button.action_id, button.value, target.user_id}, target.key)}}}};
}

Frame decode_event(const json& j, std::int64_t seq) {
  const auto event = str(j, "event");
  const auto& data = obj(j, "data");
  if (event == "hello") return {seq, Hello{str(data, "connection_id"), str(data, "server_version")}};
  if (event == "posted") {
    const auto inner = nested(data, "post");
    if (!inner.is_object()) return {seq, DecodeError{"posted without a post object"}};
    auto post = post_of(inner);
    post.channel_type = str(data, "channel_type");
    post.user_name = str(data, "sender_name");
    if (post.user_name.starts_with('@')) post.user_name.erase(0, 1);
    if (const auto mentions = nested(data, "mentions"); mentions.is_array())
      for (const auto& m : mentions)
        if (m.is_string()) post.mentions.push_back(m.get<std::string>());
    if (post.id.empty() || post.user_id.empty() || post.channel_id.empty())
      return {seq, DecodeError{"posted without a post id, user or channel"}};
    return {seq, Posted{std::move(post)}};
  }
  if (event == "user_updated") {
    const auto& user = obj(data, "user");
    if (str(user, "id").empty()) return {seq, DecodeError{"user_updated without a user id"}};
    return {seq, UserUpdated{str(user, "id"), profile_of(user)}};
  }
  return {seq, Ignored{"event " + (event.empty() ? std::string("without a name") : cut(event, 60))}};
}

}  // namespace

Frame decode_frame(std::string_view text) {
  if (text.size() > kMaxFrameBytes)
    return {std::nullopt, DecodeError{"frame of " + std::to_string(text.size()) + " bytes refused"}};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return {std::nullopt, DecodeError{"frame is not JSON"}};
  if (!j.is_object()) return {std::nullopt, DecodeError{"frame is not a JSON object"}};
  if (auto reply = j.find("seq_reply"); reply != j.end() && reply->is_number_integer()) {
    Response r;
    r.seq_reply = reply->get<std::int64_t>();
    r.ok = str(j, "status") == "OK";
    r.error_id = cut(str(obj(j, "error"), "id"), 200);
    return {std::nullopt, r};
  }
  auto seq = j.find("seq");
  if (!j.contains("event") || seq == j.end() || !seq->is_number_integer())
    return {std::nullopt, DecodeError{"frame is neither an event with a seq nor a reply"}};
  return decode_event(j, seq->get<std::int64_t>());
}

bool ResumePoint::on_hello(const Hello& hello, std::int64_t seq) {
  const bool forgotten = !connection_id_.empty() && hello.connection_id != connection_id_;
  connection_id_ = hello.connection_id;
  next_ = seq + 1;
  return forgotten;
}

ResumePoint::Order ResumePoint::on_event(std::int64_t seq) {
  if (seq < next_) return Order::repeated;
  if (seq > next_) return Order::gap;
  ++next_;
  return Order::next;
}

std::string ResumePoint::websocket_target(std::string_view path) const {
  std::string target(path);
  if (!connection_id_.empty())
    target +=
        "?" + encode_form({{"connection_id", connection_id_}, {"sequence_number", std::to_string(next_)}});
  return target;
}

std::vector<ChannelActivity> channels_of(const json& channels) {
  std::vector<ChannelActivity> out;
  if (!channels.is_array()) return out;
  for (const auto& channel : channels)
    if (channel.is_object() && !str(channel, "id").empty())
      out.push_back({str(channel, "id"), str(channel, "type"), integer(channel, "last_post_at")});
  return out;
}

std::vector<Post> posts_of(const json& post_list, const std::string& channel_type) {
  std::vector<Post> out;
  const auto& posts = obj(post_list, "posts");
  for (const auto& [id, inner] : posts.items()) {
    if (!inner.is_object()) continue;
    auto post = post_of(inner);
    if (post.id.empty() || post.user_id.empty() || post.channel_id.empty()) continue;
    post.channel_type = channel_type;
    out.push_back(std::move(post));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Post& a, const Post& b) { return a.create_at < b.create_at; });
  return out;
}

std::string authentication_challenge(std::int64_t seq, const std::string& token) {
  return dump({{"seq", seq}, {"action", "authentication_challenge"}, {"data", {{"token", token}}}});
}

std::optional<PostCommand> command_of(const Post& post, const Bot& bot) {
  if (post.user_id == bot.user_id || !post.type.empty()) return std::nullopt;
  std::string_view text = trim(post.message);
  PostCommand out;
  if (post.channel_type != "D") {
    // In a channel only a post that starts by addressing the bot is meant for it.
    const auto mention = "@" + bot.username;
    if (bot.username.empty() || !text.starts_with(mention)) return std::nullopt;
    const auto after = text.substr(mention.size());
    if (!after.empty() && after.front() != ' ' && after.front() != ':' && after.front() != ',')
      return std::nullopt;  // @tendency is not @tend
    text = trim(after.empty() ? after : after.substr(1));
    out.thread_root_id = post.root_id.empty() ? post.id : post.root_id;
  }
  if (text.starts_with('/')) text.remove_prefix(1);
  const auto [word, rest] = split_word(text);
  if (word.empty()) return std::nullopt;
  // Phones capitalise the first word of a message.
  out.command.name = lower(word);
  out.command.text = std::string(rest);
  out.command.origin = {post.user_id, post.user_name, post.channel_id, {post.id}};
  return out;
}

namespace {

bool username_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// Where the mention at `at` (an '@') ends, or `at` when there is none there.
std::size_t mention_end(std::string_view text, std::size_t at) {
  if (at > 0 && username_char(text[at - 1])) return at;  // name@example.org
  auto end = at + 1;
  while (end < text.size() && username_char(text[end])) ++end;
  while (end > at + 1 && text[end - 1] == '.') --end;
  return end;
}

}  // namespace

std::vector<std::string> mentioned_usernames(std::string_view text) {
  std::vector<std::string> out;
  for (auto at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    const auto end = mention_end(text, at);
    if (end == at || end == at + 1) continue;
    auto name = lower(text.substr(at + 1, end - at - 1));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

std::string with_mention_ids(std::string_view text,
                             const std::map<std::string, std::string, std::less<>>& ids) {
  std::string out;
  std::size_t copied = 0;
  for (auto at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    const auto end = mention_end(text, at);
    if (end <= at + 1) continue;
    const auto name = text.substr(at + 1, end - at - 1);
    const auto id = ids.find(lower(name));
    if (id == ids.end()) continue;
    out += text.substr(copied, at - copied);
    out += "<@" + id->second + "|" + std::string(name) + ">";
    copied = end;
  }
  out += text.substr(copied);
  return out;
}

std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body) {
  auto unescape = [](std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size() && digit(s[i + 1]) >= 0 && digit(s[i + 2]) >= 0) {
        out += static_cast<char>(digit(s[i + 1]) * 16 + digit(s[i + 2]));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> fields;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      fields.emplace_back(unescape(pair.substr(0, eq)),
                          eq == std::string_view::npos ? std::string() : unescape(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return fields;
}

std::string encode_form(const std::vector<std::pair<std::string, std::string>>& fields) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  auto escape = [&](std::string_view s) {
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += digits[c >> 4];
        out += digits[c & 15];
      }
    }
  };
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    escape(key);
    out += '=';
    escape(value);
  }
  return out;
}

std::variant<SlashCommand, DecodeError> decode_slash_command(std::string_view body,
                                                             std::string_view authorization) {
  if (body.size() > kMaxCommandBytes) return DecodeError{"slash command body too large"};
  SlashCommand out;
  std::string command;
  for (auto& [key, value] : decode_form(body)) {
    if (key == "command")
      command = std::move(value);
    else if (key == "text")
      out.command.text = std::move(value);
    else if (key == "token")
      out.token = std::move(value);
    else if (key == "user_id")
      out.command.origin.user_id = std::move(value);
    else if (key == "user_name")
      out.command.origin.user_name = std::move(value);
    else if (key == "channel_id")
      out.command.origin.channel_id = std::move(value);
    else if (key == "response_url")
      out.response_url = std::move(value);
    else if (key == "trigger_id")
      out.trigger_id = std::move(value);
    else if (key == "team_id")
      out.team_id = std::move(value);
  }
  if (out.token.empty() && authorization.starts_with("Token ")) out.token = trim(authorization.substr(6));
  if (command.starts_with('/')) command.erase(0, 1);
  if (command.empty() || out.command.origin.user_id.empty())
    return DecodeError{"slash command without command or user_id"};
  out.command.name = lower(command);
  if (!out.trigger_id.empty()) out.command.origin.delivery_ids.push_back(out.trigger_id);
  return out;
}

bool tokens_equal(std::string_view a, std::string_view b) {
  // Comparing digests keeps the lengths out of the timing as well.
  const auto da = sha256(a);
  const auto db = sha256(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::string new_signing_key() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("OpenSSL could not make a random signing key");
  return hex(bytes.data(), bytes.size());
}

json signed_context(const ButtonContext& context, std::string_view key) {
  json out{{"action_id", context.action_id},
           {"value", context.value},
           {"sig", signature(context.action_id, context.value, context.user_id, key)}};
  if (!context.user_id.empty()) out["user_id"] = context.user_id;
  return out;
}

std::variant<ActionRequest, DecodeError> decode_action(std::string_view body, std::string_view key) {
  if (body.size() > kMaxFrameBytes) return DecodeError{"action body too large"};
  const auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DecodeError{"action body is not a JSON object"};
  const auto& context = obj(j, "context");
  ActionRequest out;
  out.action.origin = {str(j, "user_id"), str(j, "user_name"), str(j, "channel_id"), {}};
  if (out.action.origin.user_id.empty()) return DecodeError{"action without a user_id"};
  out.action.action_id = str(context, "action_id");
  out.action.value = str(context, "value");
  const auto bound_to = str(context, "user_id");
  const auto sig = str(context, "sig");
  if (out.action.action_id.empty() || sig.empty()) return DecodeError{"action context is not Tend's"};
  if (!tokens_equal(sig, signature(out.action.action_id, out.action.value, bound_to, key)))
    return DecodeError{"action context signature does not verify"};
  if (!bound_to.empty() && bound_to != out.action.origin.user_id)
    return DecodeError{"action pressed by someone the button was not for"};
  out.post_id = str(j, "post_id");
  out.trigger_id = str(j, "trigger_id");
  if (!out.trigger_id.empty()) out.action.origin.delivery_ids.push_back(out.trigger_id);
  return out;
}

std::string markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '*') {
      if (const auto end = bold_end(text, i); end != std::string_view::npos) {
        out += "**";
        out += text.substr(i + 1, end - i - 1);
        out += "**";
        i = end;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

json button_attachments(const Message& message, const ButtonTarget& target) {
  if (message.buttons.empty()) return json::array();
  json actions = json::array();
  for (std::size_t i = 0; i < message.buttons.size(); ++i)
    actions.push_back(button_action(message.buttons[i], i, target));
  return json::array({{{"text", ""}, {"actions", actions}}});
}

json post_body(const Message& message, const std::string& channel_id, const ButtonTarget& target) {
  json body{{"channel_id", channel_id}, {"message", cut(markdown(message.text), kPostBytes)}};
  if (auto attachments = button_attachments(message, target); !attachments.empty())
    body["props"] = {{"attachments", attachments}};
  return body;
}

json command_response(const Message& message, const ButtonTarget& target, bool ephemeral) {
  json body{{"response_type", ephemeral ? "ephemeral" : "in_channel"},
            {"text", cut(markdown(message.text), kPostBytes)}};
  if (auto attachments = button_attachments(message, target); !attachments.empty())
    body["props"] = {{"attachments", attachments}};
  return body;
}

json action_response(const Message& message, const ButtonTarget& target, bool replace_post) {
  if (!replace_post) return {{"ephemeral_text", cut(markdown(message.text), kPostBytes)}};
  json props = json::object();
  // An update without attachments leaves the old buttons in place: an empty list removes them.
  props["attachments"] = button_attachments(message, target);
  return {{"update", {{"message", cut(markdown(message.text), kPostBytes)}, {"props", props}}}};
}

std::string zone_of(const json& timezone) {
  if (!timezone.is_object()) return {};
  auto automatic = timezone.find("useAutomaticTimezone");
  const bool use_automatic =
      automatic != timezone.end() &&
      ((automatic->is_string() && automatic->get_ref<const std::string&>() == "true") ||
       (automatic->is_boolean() && automatic->get<bool>()));
  auto zone = str(timezone, use_automatic ? "automaticTimezone" : "manualTimezone");
  // An automatic zone the device never reported: the one the person chose is better than none.
  if (zone.empty() && use_automatic) zone = str(timezone, "manualTimezone");
  return zone;
}

platform::UserProfile profile_of(const json& user) {
  platform::UserProfile out;
  const auto full = std::string(trim(str(user, "first_name") + " " + str(user, "last_name")));
  for (const auto& name : {str(user, "nickname"), full, str(user, "username")}) {
    if (!name.empty()) {
      out.display_name = name;
      break;
    }
  }
  out.zone = zone_of(obj(user, "timezone"));
  return out;
}

}  // namespace tend::mattermost
