package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// The quota commands keep ZooKeeper's layout: /zookeeper/quota/<path>/
// zookeeper_limits holds the limits and zookeeper_stats the usage the
// server maintains, both in StatsTrack's "count=N,bytes=M" format.

// zkQuotaErr is the IllegalArgumentException the quota helpers throw,
// printed as a MalformedPathException.
type zkQuotaErr struct{ msg string }

func (e *zkQuotaErr) Error() string { return e.msg }

// zkWrapPath maps failures of multi-step commands (quotas, recursive
// walks) to the shell's messages, with the path each came from.
func zkWrapPath(err error, path string) error {
	var qe *zkQuotaErr
	if errors.As(err, &qe) {
		return zkErr(qe.msg)
	}
	var pe *zkPathErr
	if errors.As(err, &pe) {
		return zkWrap(pe.err, pe.path)
	}
	return zkWrap(err, path)
}

// zkPathErr is a KeeperException with the path it came from.
type zkPathErr struct {
	err  error
	path string
}

func (e *zkPathErr) Error() string { return e.err.Error() }
func (e *zkPathErr) Unwrap() error { return e.err }

func at(err error, path string) error {
	if err == nil {
		return nil
	}
	var ae *client.ArgumentError
	if errors.As(err, &ae) {
		return &zkQuotaErr{ae.Msg}
	}
	return &zkPathErr{err, path}
}

func zkSetQuota(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	path := c.arg(1)
	if strings.HasPrefix(path, zkQuotaRoot) {
		fmt.Fprintln(sh.errw, "cannot set a quota under the path: "+zkQuotaRoot)
		return nil
	}
	quota := zkStats{zkStatCount: -1, zkStatBytes: -1, zkHardCount: -1, zkHardBytes: -1}
	for _, o := range []struct {
		opt, key string
		count    bool
	}{{"n", zkStatCount, true}, {"b", zkStatBytes, false}, {"N", zkHardCount, true}, {"B", zkHardBytes, false}} {
		if !c.p.has(o.opt) {
			continue
		}
		bits := 64
		if o.count {
			bits = 32
		}
		v, err := strconv.ParseInt(c.p.value(o.opt), 10, bits)
		switch {
		case err != nil:
			fmt.Fprintln(sh.errw, "NumberFormatException happens when parsing the option value")
			return nil
		case o.count && v <= 0:
			fmt.Fprintln(sh.errw, "the num quota must be greater than zero")
			return nil
		case !o.count && v < 0:
			fmt.Fprintln(sh.errw, "the bytes quota must be greater than or equal to zero")
			return nil
		}
		quota[o.key] = v
	}
	return zkWrapPath(zkCreateQuota(sh, path, quota), path)
}

// zkCreateQuota is SetQuotaCommand.createQuota.
func zkCreateQuota(sh *zkShell, path string, quota zkStats) error {
	zk := sh.zk
	st, err := zk.Exists(bg, path, nil)
	if err != nil {
		return at(err, path)
	}
	if st == nil {
		return &zkQuotaErr{path + " does not exist."}
	}
	if err := zkCheckChildQuota(zk, path); err != nil {
		return err
	}
	if err := zkCheckParentQuota(zk, path); err != nil {
		return err
	}
	open := []jute.ACL{{Perms: jute.PermAll, ID: jute.Id{Scheme: "world", ID: "anyone"}}}
	if st, err := zk.Exists(bg, zkQuotaRoot, nil); err != nil {
		return at(err, zkQuotaRoot)
	} else if st == nil {
		// As Java: a NodeExists on /zookeeper skips creating the quota root.
		if _, err := zk.Create(bg, "/zookeeper", nil, open, client.ModePersistent); err == nil {
			if _, err := zk.Create(bg, zkQuotaRoot, nil, open, client.ModePersistent); err != nil && err != jute.NodeExists {
				return at(err, zkQuotaRoot)
			}
		} else if err != jute.NodeExists {
			return at(err, "/zookeeper")
		}
	}
	quotaPath := zkQuotaRoot
	for _, part := range zkJavaSplit(path, "/")[1:] {
		quotaPath += "/" + part
		st, err := zk.Exists(bg, quotaPath, nil)
		if err != nil {
			return at(err, quotaPath)
		}
		if st == nil {
			if _, err := zk.Create(bg, quotaPath, nil, open, client.ModePersistent); err != nil && err != jute.NodeExists {
				return at(err, quotaPath)
			}
		}
	}
	statPath, limitPath := quotaPath+"/"+zkStatNode, quotaPath+"/"+zkLimitNode
	read := func(p string) (zkStats, error) {
		d, _, err := zk.Get(bg, p, nil)
		return zkParseStats(string(d)), at(err, p)
	}
	st, err = zk.Exists(bg, limitPath, nil)
	if err != nil {
		return at(err, limitPath)
	}
	if st == nil {
		if _, err := zk.Create(bg, limitPath, []byte(quota.String()), open, client.ModePersistent); err != nil {
			return at(err, limitPath)
		}
		if _, err := zk.Create(bg, statPath, []byte(zkStats{zkStatCount: 0, zkStatBytes: 0}.String()), open, client.ModePersistent); err != nil {
			return at(err, statPath)
		}
		limits, err := read(limitPath)
		if err != nil {
			return err
		}
		stats, err := read(statPath)
		if err != nil {
			return err
		}
		zkCheckQuota(sh, limits, stats)
		return nil
	}
	limits, err := read(limitPath)
	if err != nil {
		return err
	}
	for _, k := range []string{zkStatCount, zkStatBytes, zkHardCount, zkHardBytes} {
		if quota.get(k) > -1 {
			limits[k] = quota[k]
		}
	}
	stats, err := read(statPath)
	if err != nil {
		return err
	}
	zkCheckQuota(sh, limits, stats)
	_, err = zk.Set(bg, limitPath, []byte(limits.String()), -1)
	return at(err, limitPath)
}

func zkCheckQuota(sh *zkShell, limits, stats zkStats) {
	over := func(soft, hard string, used int64) bool {
		return (limits.get(soft) > -1 && limits.get(soft) < used) || (limits.get(hard) > -1 && limits.get(hard) < used)
	}
	if n := stats.get(zkStatCount); over(zkStatCount, zkHardCount, n) {
		fmt.Fprintf(sh.out, "[Warning]: the count quota you create is less than the existing count:%d\n", n)
	}
	if b := stats.get(zkStatBytes); over(zkStatBytes, zkHardBytes, b) {
		fmt.Fprintf(sh.out, "[Warning]: the bytes quota you create is less than the existing bytes:%d\n", b)
	}
}

// zkCheckChildQuota refuses a quota on a path below which one exists.
func zkCheckChildQuota(zk *client.Client, path string) error {
	real := zkQuotaRoot + path
	err := zkWalk(zk, real, nil, func(q string) error {
		kids, err := zk.Children(bg, q, nil)
		if err != nil {
			return nil
		}
		for _, k := range kids {
			if q != real && k == zkLimitNode {
				return &zkQuotaErr{path + " has a child " + strings.TrimPrefix(q, zkQuotaRoot) + " which has a quota"}
			}
		}
		return nil
	})
	if errors.Is(err, jute.NoNode) {
		return nil
	}
	return err
}

// zkCheckParentQuota refuses a quota on a path above which one exists.
func zkCheckParentQuota(zk *client.Client, path string) error {
	parts := zkJavaSplit(path, "/")
	q := zkQuotaRoot
	for i := 1; i < len(parts)-1; i++ {
		q += "/" + parts[i]
		kids, err := zk.Children(bg, q, nil)
		if err == jute.NoNode {
			return nil
		}
		if err != nil {
			return at(err, q)
		}
		if len(kids) == 0 {
			return nil
		}
		for _, k := range kids {
			if q != zkQuotaRoot+path && k == zkLimitNode {
				return &zkQuotaErr{path + " has a parent " + strings.TrimPrefix(q, zkQuotaRoot) + " which has a quota"}
			}
		}
	}
	return nil
}

// zkWalk is visitSubTreeDFS with a visitor that can fail; failures come
// back raw (a *zkPathErr for the server's, a *zkQuotaErr for a bad path).
func zkWalk(zk *client.Client, path string, w *client.Watcher, visit func(string) error) error {
	if err := client.ValidatePath(path, false); err != nil {
		return at(err, path)
	}
	if _, _, err := zk.Get(bg, path, w); err != nil {
		return at(err, path)
	}
	if err := visit(path); err != nil {
		return err
	}
	var walk func(p string) error
	walk = func(p string) error {
		kids, _, err := zk.Children2(bg, p, w)
		if err == jute.NoNode {
			return nil
		}
		if err != nil {
			return at(err, p)
		}
		zkSortJava(kids)
		prefix := p + "/"
		if p == "/" {
			prefix = "/"
		}
		for _, k := range kids {
			if err := visit(prefix + k); err != nil {
				return err
			}
		}
		for _, k := range kids {
			if err := walk(prefix + k); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(path)
}

func zkDelQuota(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	path := c.arg(1)
	err := zkDeleteQuota(sh, path, c.p)
	if errors.Is(err, jute.NoNode) {
		fmt.Fprintln(sh.errw, "quota for "+path+" does not exist.")
		return nil
	}
	return zkWrapPath(err, path)
}

// zkDeleteQuota is DelQuotaCommand.delQuota: drop the limits named by the
// flags, or the whole quota (and empty quota parents) without flags.
func zkDeleteQuota(sh *zkShell, path string, p *zkParsed) error {
	zk := sh.zk
	parent := zkQuotaRoot + path
	limitPath := parent + "/" + zkLimitNode
	st, err := zk.Exists(bg, limitPath, nil)
	if err != nil {
		return at(err, limitPath)
	}
	if st == nil {
		fmt.Fprintln(sh.out, "Quota does not exist for "+path)
		return nil
	}
	data, _, err := zk.Get(bg, limitPath, nil)
	if err != nil {
		return at(err, limitPath)
	}
	limits := zkParseStats(string(data))
	flags := map[string]string{"n": zkStatCount, "b": zkStatBytes, "N": zkHardCount, "B": zkHardBytes}
	any := false
	for opt, key := range flags {
		if p.has(opt) {
			limits[key] = -1
			any = true
		}
	}
	if any {
		_, err := zk.Set(bg, limitPath, []byte(limits.String()), -1)
		return at(err, limitPath)
	}
	kids, err := zk.Children(bg, parent, nil)
	if err != nil {
		return at(err, parent)
	}
	for _, k := range kids {
		if err := zk.Delete(bg, parent+"/"+k, -1); err != nil {
			return at(err, parent+"/"+k)
		}
	}
	// Remove quota parents left empty, up to /zookeeper/quota.
	for q := parent; q != zkQuotaRoot; q = q[:strings.LastIndexByte(q, '/')] {
		kids, err := zk.Children(bg, q, nil)
		if err != nil {
			return at(err, q)
		}
		if len(kids) > 0 {
			return nil
		}
		if err := zk.Delete(bg, q, -1); err != nil {
			return at(err, q)
		}
	}
	return nil
}

func zkListQuota(sh *zkShell, c *zkCall) error {
	if c.nargs() < 2 {
		return c.usageErr()
	}
	path := c.arg(1)
	limitPath := zkQuotaRoot + path + "/" + zkLimitNode
	fmt.Fprintln(sh.errw, "absolute path is "+limitPath)
	var lines []string
	for i, p := range []string{limitPath, zkQuotaRoot + path + "/" + zkStatNode} {
		data, _, err := sh.zk.Get(bg, p, nil)
		if err == jute.NoNode {
			fmt.Fprintln(sh.errw, "quota for "+path+" does not exist.")
			return nil
		}
		if err != nil {
			return zkWrap(err, p)
		}
		kind := "quota"
		if i > 0 {
			kind = "stat"
		}
		lines = append(lines, "Output "+kind+" for "+path+" "+zkParseStats(string(data)).String())
	}
	for _, l := range lines {
		fmt.Fprintln(sh.out, l)
	}
	return nil
}
