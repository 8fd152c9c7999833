package cli

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/wharf-project/wharf/internal/javafmt"
)

// The users, clients and ips entities of ConfigCommand: client quotas
// (DescribeClientQuotas / AlterClientQuotas) and user SCRAM credentials
// (DescribeUserScramCredentials / AlterUserScramCredentials).

// quotaEntityTypes maps ConfigCommand's entity types to ClientQuotaEntity's.
var quotaEntityTypes = map[string]string{ctUsers: "user", ctClients: "client-id", ctIPs: "ip"}

// The quota config names (QuotaConfigs.isClientOrUserQuotaConfig and
// DynamicConfig.Ip.names) and the SCRAM mechanisms.
var (
	clientQuotaNames = []string{"producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate"}
	ipQuotaNames     = []string{"connection_creation_rate"}
	scramMechanisms  = map[string]int8{"SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2}
)

func isScram(k string) bool { _, ok := scramMechanisms[k]; return ok }

// scalaCollection is a small Scala collection's toString: "Set(a, b)".
func scalaCollection(kind string, items []string) string {
	return kind + "(" + strings.Join(items, ", ") + ")"
}

// quotaComponents is getAllClientQuotasConfigs's filter: a named entity,
// the default ("" name), or any entity of the type (no name given).
func (s *configsSession) quotaComponents() ([]kmsg.DescribeClientQuotasRequestComponent, error) {
	if len(s.names) > len(s.types) {
		return nil, illegal("More entity names specified than entity types")
	}
	var out []kmsg.DescribeClientQuotasRequestComponent
	for i, t := range s.types {
		c := kmsg.NewDescribeClientQuotasRequestComponent()
		c.EntityType = quotaEntityTypes[t]
		switch {
		case i >= len(s.names):
			c.MatchType = 2
		case s.names[i] == "":
			c.MatchType = 1
		default:
			c.MatchType, c.Match = 0, kmsg.StringPtr(s.names[i])
		}
		out = append(out, c)
	}
	return out, nil
}

// quotaEntry is one entity's quotas.
type quotaEntry struct {
	entity map[string]*string // ClientQuotaEntity type -> name, nil for the default
	values []kmsg.DescribeClientQuotasResponseEntryValue
}

func (s *configsSession) describeQuotas(ctx context.Context) ([]quotaEntry, error) {
	comps, err := s.quotaComponents()
	if err != nil {
		return nil, err
	}
	req := kmsg.NewPtrDescribeClientQuotasRequest()
	req.Components, req.Strict = comps, true
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return nil, requestError(req, err)
	}
	if resp.ErrorCode != 0 {
		return nil, executionError(resp.ErrorCode, resp.ErrorMessage)
	}
	var out []quotaEntry
	for _, e := range resp.Entries {
		q := quotaEntry{entity: map[string]*string{}, values: e.Values}
		for _, c := range e.Entity {
			q.entity[c.Type] = c.Name
		}
		slices.SortFunc(q.values, func(a, b kmsg.DescribeClientQuotasResponseEntryValue) int { return strings.Compare(a.Key, b.Key) })
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b quotaEntry) int {
		return strings.Compare(quotaEntityString(a.entity, false), quotaEntityString(b.entity, false))
	})
	return out, nil
}

// quotaEntityString is describeQuotaConfigs's entity text ("user-principal
// 'alice', client-id 'c1'", "the default ip"), or for Kafka 2.8's
// ZooKeeper path Entity.toString's ("default client-id").
func quotaEntityString(entity map[string]*string, zk bool) string {
	var parts []string
	for _, k := range []struct{ typ, text string }{{"user", "user-principal"}, {"client-id", "client-id"}, {"ip", "ip"}} {
		name, ok := entity[k.typ]
		switch {
		case !ok:
		case name != nil:
			parts = append(parts, k.text+" '"+*name+"'")
		case zk:
			parts = append(parts, "default "+k.text)
		default:
			parts = append(parts, "the default "+k.text)
		}
	}
	return strings.Join(parts, ", ")
}

// describeUsersClientsIPs is describeClientQuotaAndUserScramCredentialConfigs
// and describeQuotaConfigs.
func (s *configsSession) describeUsersClientsIPs(ctx context.Context) error {
	entries, err := s.describeQuotas(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		kv := make([]string, len(e.values))
		for i, v := range e.values {
			if s.zk { // ZooKeeper kept the text given; integral values were given as integers
				kv[i] = v.Key + "=" + strings.TrimSuffix(javafmt.Double(v.Value), ".0")
			} else {
				kv[i] = v.Key + "=" + javafmt.Double(v.Value)
			}
		}
		if s.zk {
			fmt.Fprintf(s.env.stdout, "Configs for %s are %s\n", quotaEntityString(e.entity, true), strings.Join(kv, ","))
		} else {
			fmt.Fprintf(s.env.stdout, "Quota configs for %s are %s\n", quotaEntityString(e.entity, false), strings.Join(kv, ", "))
		}
	}
	if s.types[0] == ctIPs || slices.Contains(s.types, ctClients) || slices.Contains(s.names, "") || s.zk {
		return nil
	}
	req := kmsg.NewPtrDescribeUserSCRAMCredentialsRequest()
	for _, n := range s.names {
		u := kmsg.NewDescribeUserSCRAMCredentialsRequestUser()
		u.Name = n
		req.Users = append(req.Users, u)
	}
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return requestError(req, err)
	}
	if resp.ErrorCode != 0 {
		return executionError(resp.ErrorCode, resp.ErrorMessage)
	}
	for _, r := range resp.Results {
		if r.ErrorCode == kerr.ResourceNotFound.Code {
			continue
		}
		if r.ErrorCode != 0 {
			fmt.Fprintf(s.env.stdout, "Error retrieving SCRAM credential configs for user-principal '%s': ExecutionException: %s\n",
				r.User, executionError(r.ErrorCode, r.ErrorMessage).(*configsThrown).msg)
			continue
		}
		infos := make([]string, len(r.CredentialInfos))
		for i, c := range r.CredentialInfos {
			mech := "UNKNOWN"
			for name, code := range scramMechanisms {
				if code == c.Mechanism {
					mech = name
				}
			}
			infos[i] = fmt.Sprintf("%s=iterations=%d", mech, c.Iterations)
		}
		fmt.Fprintf(s.env.stdout, "SCRAM credential configs for user-principal '%s' are %s\n", r.User, strings.Join(infos, ", "))
	}
	return nil
}

// alterUsersClientsIPs is alterConfig's users/clients and ips cases.
func (s *configsSession) alterUsersClientsIPs(ctx context.Context, added []configPair, deleted []string) error {
	head := s.types[0]
	isQuota := func(k string) bool {
		if head == ctIPs {
			return slices.Contains(ipQuotaNames, k)
		}
		return slices.Contains(clientQuotaNames, k)
	}
	var unknownAdd, scramAdd, unknownDel, scramDel []string
	hasQuotaAdd, hasQuotaDel := false, false
	for _, p := range added {
		switch {
		case isQuota(p.key):
			hasQuotaAdd = true
		case isScram(p.key) && head != ctIPs:
			scramAdd = append(scramAdd, p.key)
		default:
			unknownAdd = append(unknownAdd, p.key)
		}
	}
	for _, k := range deleted {
		switch {
		case isQuota(k):
			hasQuotaDel = true
		case isScram(k) && head != ctIPs:
			scramDel = append(scramDel, k)
		default:
			unknownDel = append(unknownDel, k)
		}
	}
	switch {
	case head == ctIPs:
		if unknown := append(unknownAdd, unknownDel...); len(unknown) > 0 {
			return illegal("Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: %s", strings.Join(unknown, ","))
		}
	case head == ctClients || len(s.types) == 2:
		if len(unknownAdd) > 0 || len(scramAdd) > 0 {
			return illegal("Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: %s",
				scalaCollection("Set", append(unknownAdd, scramAdd...)))
		}
		if len(unknownDel) > 0 || len(scramDel) > 0 {
			return illegal("Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: %s",
				scalaCollection("ArrayBuffer", append(unknownDel, scramDel...)))
		}
	default:
		if len(unknownAdd) > 0 {
			return illegal("Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: %s", scalaCollection("Set", unknownAdd))
		}
		if len(unknownDel) > 0 {
			return illegal("Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: %s", scalaCollection("ArrayBuffer", unknownDel))
		}
		if len(scramAdd) > 0 || len(scramDel) > 0 {
			if slices.Contains(s.names, "") {
				return illegal("The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.")
			}
			if hasQuotaAdd || hasQuotaDel {
				return illegal("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.")
			}
		}
	}
	if head == ctIPs || hasQuotaAdd || hasQuotaDel {
		return s.alterQuotas(ctx, added, deleted)
	}
	return s.alterScram(ctx, added, deleted)
}

// alterQuotas is alterQuotaConfigs.
func (s *configsSession) alterQuotas(ctx context.Context, added []configPair, deleted []string) error {
	if len(s.types) != len(s.names) {
		return illegal("Exactly one entity name must be specified for every entity type")
	}
	entries, err := s.describeQuotas(ctx)
	if err != nil {
		return err
	}
	old := map[string]bool{}
	if len(entries) > 0 {
		for _, v := range entries[0].values {
			old[v.Key] = true
		}
	}
	var invalid []string
	for _, k := range deleted {
		if !old[k] {
			invalid = append(invalid, k)
		}
	}
	if len(invalid) > 0 {
		return illegal("Invalid config(s): %s", strings.Join(invalid, ","))
	}
	entry := kmsg.NewAlterClientQuotasRequestEntry()
	for i, t := range s.types {
		c := kmsg.NewAlterClientQuotasRequestEntryEntity()
		c.Type = quotaEntityTypes[t]
		if s.names[i] != "" {
			c.Name = kmsg.StringPtr(s.names[i])
		}
		entry.Entity = append(entry.Entity, c)
	}
	for _, p := range added {
		v, err := strconv.ParseFloat(strings.TrimSpace(p.value), 64)
		if err != nil {
			return illegal("Cannot parse quota configuration value for %s: %s", p.key, p.value)
		}
		op := kmsg.NewAlterClientQuotasRequestEntryOp()
		op.Key, op.Value = p.key, v
		entry.Ops = append(entry.Ops, op)
	}
	for _, k := range deleted {
		op := kmsg.NewAlterClientQuotasRequestEntryOp()
		op.Key, op.Remove = k, true
		entry.Ops = append(entry.Ops, op)
	}
	req := kmsg.NewPtrAlterClientQuotasRequest()
	req.Entries = append(req.Entries, entry)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return requestError(req, err)
	}
	return firstError(resp.Entries, func(e kmsg.AlterClientQuotasResponseEntry) (int16, *string) { return e.ErrorCode, e.ErrorMessage })
}

var scramCredential = regexp.MustCompile(`^(?:iterations=(-?[0-9]*),)?password=(.*)$`)

// alterScram is alterUserScramCredentialConfigs: the salted passwords are
// computed here, as the Admin client does (PBKDF2 over a random salt).
func (s *configsSession) alterScram(ctx context.Context, added []configPair, deleted []string) error {
	if len(s.names) != 1 {
		return illegal("Altering user SCRAM credentials should never occur for more zero or multiple users: %s", scalaCollection("List", s.names))
	}
	user := s.names[0]
	req := kmsg.NewPtrAlterUserSCRAMCredentialsRequest()
	for _, k := range deleted {
		d := kmsg.NewAlterUserSCRAMCredentialsRequestDeletion()
		d.Name, d.Mechanism = user, scramMechanisms[k]
		req.Deletions = append(req.Deletions, d)
	}
	for _, p := range added {
		mech := scramMechanisms[p.key]
		m := scramCredential.FindStringSubmatchIndex(p.value)
		if m == nil {
			return illegal("Invalid credential property %s=%s", strings.ReplaceAll(p.key, "-", "_"), p.value)
		}
		iterations := int32(4096)
		if m[2] >= 0 { // the iterations group took part
			if it := p.value[m[2]:m[3]]; it != "-1" {
				n, ok := parseJavaInt(it)
				if !ok {
					return illegal("For input string: %q", it)
				}
				iterations = n
			}
		}
		password := p.value[m[4]:m[5]]
		if iterations < 4096 {
			return illegal("Iterations %d is less than the minimum 4096 required for %s", iterations, p.key)
		}
		salt := make([]byte, 24)
		if _, err := rand.Read(salt); err != nil {
			return &configsThrown{"java.lang.RuntimeException", err.Error()}
		}
		var h func() hash.Hash = sha256.New
		size := sha256.Size
		if mech == 2 {
			h, size = sha512.New, sha512.Size
		}
		salted, err := pbkdf2.Key(h, password, salt, int(iterations), size)
		if err != nil {
			return &configsThrown{"java.lang.RuntimeException", err.Error()}
		}
		u := kmsg.NewAlterUserSCRAMCredentialsRequestUpsertion()
		u.Name, u.Mechanism, u.Iterations, u.Salt, u.SaltedPassword = user, mech, iterations, salt, salted
		req.Upsertions = append(req.Upsertions, u)
	}
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return requestError(req, err)
	}
	return firstError(resp.Results, func(r kmsg.AlterUserSCRAMCredentialsResponseResult) (int16, *string) {
		return r.ErrorCode, r.ErrorMessage
	})
}

func parseJavaInt(s string) (int32, bool) {
	n, err := strconv.ParseInt(s, 10, 32)
	return int32(n), err == nil && s != "" && !strings.HasPrefix(s, "+")
}
