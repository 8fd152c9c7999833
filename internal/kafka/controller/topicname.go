package controller

import (
	"fmt"
	"strings"
)

// MaxTopicNameLength is Topic.MAX_NAME_LENGTH.
const MaxTopicNameLength = 249

// ValidateTopicName is Topic.validate: it returns the message of Kafka's
// InvalidTopicException, or "" for a legal name.
func ValidateTopicName(topic string) string {
	switch {
	case topic == "":
		return "Topic name is illegal, it can't be empty"
	case topic == "." || topic == "..":
		return `Topic name cannot be "." or ".."`
	case len(topic) > MaxTopicNameLength:
		return fmt.Sprintf("Topic name is illegal, it can't be longer than %d characters, topic name: %s", MaxTopicNameLength, topic)
	}
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Sprintf(`Topic name "%s" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`, topic)
		}
	}
	return ""
}

// HasCollisionChars is Topic.hasCollisionChars: '.' and '_' collide in
// metric names.
func HasCollisionChars(topic string) bool { return strings.ContainsAny(topic, "._") }

// HasCollision is Topic.hasCollision.
func HasCollision(a, b string) bool {
	return strings.ReplaceAll(a, ".", "_") == strings.ReplaceAll(b, ".", "_")
}
