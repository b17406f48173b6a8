package halo

import (
	"strconv"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// StageCost is one stage of the forward pass as `halo bench --profile` times it, with
// its multiply-accumulates.
type StageCost struct {
	Name string
	MACs float64
}

// ForwardMACs returns the multiply-accumulates of one forward pass (eval mode) over a
// batch: every convolution (N*OH*OW*OutC*InC/groups*KH*KW), linear layer and matrix
// product of the network, elementwise work, norms and pooling not counted. A MAC is
// two FLOPs; a training step costs about three forward passes.
func ForwardMACs(cfg Config, batch int) float64 {
	var s float64
	for _, st := range ForwardStages(cfg, batch, false) {
		s += st.MACs
	}
	return s
}

// ForwardStages lists the stages of the forward pass in execution order with their
// MACs for a batch; train adds the contrastive branch ("infonce"). The staged forward
// the profiler runs reports exactly these names in this order.
func ForwardStages(cfg Config, batch int, train bool) []StageCost {
	n := float64(batch)
	var st []StageCost
	add := func(name string, macs float64) { st = append(st, StageCost{name, n * macs}) }
	hq, wq := cfg.QueryH, cfg.QueryW
	add("combine_click", convMACs(hq, wq, 4, 3, 1))

	w, nb := cfg.ResNetWidths, cfg.ResNetBlocks
	h, ww := hq/2, wq/2
	add("resnet.stem", convMACs(h, ww, 3, w[0], 7))
	h, ww = h/2, ww/2 // max pool 3x3/2
	in := w[0]
	var rsz [4][2]int
	for i := range 4 {
		s := 2
		if i == 0 {
			s = 1
		}
		var m float64
		for j := range nb[i] {
			if j > 0 {
				s = 1
			}
			h, ww = h/s, ww/s
			m += convMACs(h, ww, in, w[i], 3) + convMACs(h, ww, w[i], w[i], 3)
			if s != 1 || in != w[i] {
				m += convMACs(h, ww, in, w[i], 1)
			}
			in = w[i]
		}
		rsz[i] = [2]int{h, ww}
		add("resnet.layer"+strconv.Itoa(i+1), m)
	}
	add("fpn_query", fpnMACs(rsz[1], w[1], w[2], w[3], cfg.Emb))

	d := cfg.LSKDims
	h, ww, in = cfg.SatSize, cfg.SatSize, 3
	var ssz [4][2]int
	for i := range 4 {
		k, s := 3, 2
		if i == 0 {
			k, s = 7, 4
		}
		h, ww = (h-1)/s+1, (ww-1)/s+1 // padding k/2
		si := strconv.Itoa(i + 1)
		add("lsknet.embed"+si, convMACs(h, ww, in, d[i], k))
		for j := range cfg.LSKDepths[i] {
			add("lsknet.block"+si+"."+strconv.Itoa(j), lskBlockMACs(h*ww, d[i], d[i]*cfg.LSKMLPRatios[i]))
		}
		add("lsknet.norm"+si, 0)
		ssz[i] = [2]int{h, ww}
		in = d[i]
	}
	add("fpn_sat", fpnMACs(ssz[1], d[1], d[2], d[3], cfg.Emb))

	e := cfg.Emb
	lq := (hq / 16) * (wq / 16)
	ls := ssz[2][0] * ssz[2][1]
	add("posenc", 0)
	add("attn_l1", loftrMACs(lq, ls, e, cfg.Heads))
	add("query_map_l1", float64(lq*e*e))
	add("attn_l2", loftrMACs(ls, lq, e, cfg.Heads))
	add("ref_map_l2", float64(ls*e*e))
	add("fusion", float64(ls*e))
	add("head_block", float64(ls*e*(e/2)))
	add("head_conv", float64(ls*(e/2)*45))
	if train {
		// Two projections of 3*emb -> proj per sample, then the batch-by-batch logits.
		add("infonce", float64(2*3*e*cfg.ProjDim+batch*cfg.ProjDim))
	}
	return st
}

// LSKPartCosts returns the MACs of each part of the LSKNet blocks (lskBlockParts),
// summed over all blocks of all stages, in part order.
func LSKPartCosts(cfg Config, batch int) []StageCost {
	var out []StageCost
	h := cfg.SatSize
	for i := range 4 {
		s := 2
		if i == 0 {
			s = 4
		}
		h = (h-1)/s + 1
		for range cfg.LSKDepths[i] {
			parts := lskBlockParts(h*h, cfg.LSKDims[i], cfg.LSKDims[i]*cfg.LSKMLPRatios[i])
			if out == nil {
				out = make([]StageCost, len(parts))
				for k, p := range parts {
					out[k].Name = p.Name
				}
			}
			for k, p := range parts {
				out[k].MACs += float64(batch) * p.MACs
			}
		}
	}
	return out
}

// convMACs is the cost of a dense k x k convolution with an oh x ow output, per sample.
func convMACs(oh, ow, in, out, k int) float64 {
	return float64(oh) * float64(ow) * float64(out) * float64(in) * float64(k*k)
}

// fpnMACs: 1x1 convs on the three levels (p2 of size sz) and the 3x3/2 downsample of p2.
func fpnMACs(sz [2]int, c2, c3, c4, out int) float64 {
	h, w := sz[0], sz[1]
	return convMACs(h, w, c2, out, 1) + convMACs(h/2, w/2, c3, out, 1) +
		convMACs(h/4, w/4, c4, out, 1) + convMACs((h-1)/2+1, (w-1)/2+1, out, out, 3)
}

// lskBlockMACs: one LSKNet block on p pixels of dim channels with an MLP of hidden.
func lskBlockMACs(p, dim, hidden int) float64 {
	var s float64
	for _, c := range lskBlockParts(p, dim, hidden) {
		s += c.MACs
	}
	return s
}

// lskBlockParts splits an LSKNet block into the parts the staged forward times, in
// execution order, with their MACs on p pixels.
func lskBlockParts(p, dim, hidden int) []StageCost {
	P, d, h := float64(p), float64(dim), float64(hidden)
	return []StageCost{
		{"norm1", 0},
		{"proj_1", P * d * d}, // and, in inference, the GELU (fused into the conv)
		{"gelu_1", 0},         // the GELU when training; in inference nothing left
		{"dw5x5", P * d * 25},
		{"dw7x7d3", P * d * 49},
		{"conv1+conv2", P * 2 * d * (d / 2)},
		{"gate", P * 2 * 2 * 49},  // channel mean/max, conv_squeeze 7x7, sigmoid, mix (fused)
		{"conv", P * (d / 2) * d}, // and the product with the block input (fused in inference)
		{"proj_2", P * d * d},     // and the attention's shortcut (fused in inference)
		{"scale_1", 0},            // layer scale, drop-path, residual (fused)
		{"norm2", 0},
		{"fc1", P * d * h},
		{"dwconv3x3+gelu", P * h * 9}, // fused, as LSKMlp.Forward runs them
		{"dropout_1", 0},              // identity in eval mode
		{"fc2", P * h * d},
		{"dropout_2", 0},
		{"scale_2", 0},
	}
}

// lskBlockStaged is LSKBlock.Forward with hook(part, outs...) after each of the parts
// of lskBlockParts: the block's own forward, reporting its parts (see partHook; both
// 1x1 convolutions of "conv1+conv2" are its outputs, so a backward profile tagging
// from them charges conv1's gradient to that part, not to "gate").
func lskBlockStaged(b *LSKBlock, x *autograd.Tensor, hook func(part string, outs ...*autograd.Tensor)) *autograd.Tensor {
	return b.mlpHalf(b.attnHalf(x, nil, hook), nil, hook)
}

// loftrMACs: one LoFTR layer, l tokens attending to s, width c, heads h.
func loftrMACs(l, s, c, h int) float64 {
	L, S, C := float64(l), float64(s), float64(c)
	d := C / float64(h)
	proj := L*C*C + 2*S*C*C + L*C*C // q; k, v; merge
	attn := S*C*d + L*C*d + L*C     // K^T V per head, Q (K^T V), the normaliser Q.sum(K)
	mlp := L*2*C*2*C + L*2*C*C
	return proj + attn + mlp
}

// stageHook receives each stage's name and outputs as a staged forward finishes it.
// The LSKNet blocks report their parts as "<stage>/<part>" (see lskBlockParts); a
// stage's time is the sum of its parts'.
type stageHook func(stage string, outs ...*autograd.Tensor)

// forwardStaged is Forward (without activations) cut into the stages of
// ForwardStages, calling hook after each (after each part, in LSKNet blocks). It must
// compute what Forward does, in the same order (dropout draws included); a test holds
// it to that with gradients recorded (not the NoGrad fusions). It releases fewer
// intermediates than Forward, so its allocation figures are not Forward's.
func (m *Model) forwardStaged(query, click, sat *autograd.Tensor, hook stageHook) (*Output, error) {
	if err := m.checkInputs(query, click, sat); err != nil {
		return nil, err
	}
	out := &Output{}
	b := query.Shape[0]
	click = autograd.Reshape(click, b, 1, query.Shape[2], query.Shape[3])
	q := m.CombineClick.Forward(autograd.Concat(1, query, click))
	hook("combine_click", q)

	r := m.QueryResNet
	x := autograd.MaxPool2d(autograd.ReLU(nn.ConvBN(r.Conv1, r.BN1, q)), 3, 2, 1)
	hook("resnet.stem", x)
	var xs [4]*autograd.Tensor
	for i, l := range r.Layers {
		x = l.Forward(x)
		xs[i] = x
		hook("resnet.layer"+strconv.Itoa(i+1), x)
	}
	qf := m.FPNQuery.Forward(xs[1], xs[2], xs[3])
	hook("fpn_query", qf)

	n := m.RefLSKNet
	var s [4]*autograd.Tensor
	x = sat
	for i := range 4 {
		si := strconv.Itoa(i + 1)
		x = n.Embeds[i].Forward(x)
		hook("lsknet.embed"+si, x)
		for j, blk := range n.Blocks[i] {
			name := "lsknet.block" + si + "." + strconv.Itoa(j) + "/"
			x = lskBlockStaged(blk, x, func(part string, ts ...*autograd.Tensor) { hook(name+part, ts...) })
		}
		x = channelLayerNorm(n.Norms[i], x)
		s[i] = x
		hook("lsknet.norm"+si, x)
	}
	sf := m.FPNSat.Forward(s[1], s[2], s[3])
	hook("fpn_sat", sf)

	hq, wq := qf.Shape[2], qf.Shape[3]
	hs, ws := sf.Shape[2], sf.Shape[3]
	tq := PositionTokens(qf)
	ts := PositionTokens(sf)
	hook("posenc", tq, ts)
	aq := m.AttnL1.Forward(tq, ts)
	hook("attn_l1", aq)
	nq := m.QueryMapL1.Forward(fromTokens(aq, hq, wq))
	gq := autograd.Mean(autograd.Reshape(nq, b, m.Cfg.Emb, hq*wq), 2, false)
	hook("query_map_l1", gq)
	as := m.AttnL2.Forward(ts, tq)
	hook("attn_l2", as)
	ns := m.RefMapL2.Forward(fromTokens(as, hs, ws))
	hook("ref_map_l2", ns)
	ctx, attn := CrossViewFusion(gq, ns)
	out.Attn = autograd.Reshape(attn, b, hs, ws)
	hook("fusion", ctx, out.Attn)
	h := m.HeadBlock.Forward(ctx)
	hook("head_block", h)
	out.Boxes = m.HeadConv.Forward(h)
	hook("head_conv", out.Boxes)

	if m.training {
		fq0, fq1, fq2, _ := ClusterFeatures(aq)
		fs0, fs1, fs2, _ := ClusterFeatures(as)
		out.QueryDesc = m.InfoNCE.Embed([3]*autograd.Tensor{fq0, fq1, fq2})
		out.SatDesc = m.InfoNCE.Embed([3]*autograd.Tensor{fs0, fs1, fs2})
		out.InfoNCE = m.InfoNCE.Loss(out.QueryDesc, out.SatDesc)
		hook("infonce", out.InfoNCE, out.QueryDesc, out.SatDesc)
	}
	return out, nil
}
