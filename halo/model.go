package halo

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// Model is the whole HALO network. Its state_dict keys, their order and the parameter
// count (with Config.OfficialExtras) are exactly the official model's.
type Model struct {
	nn.Children
	Cfg Config

	QueryResNet  *ResNet
	RefLSKNet    *LSKNet
	CombineClick *ConvBNLeakyReLU
	FPNQuery     *FPN
	FPNSat       *FPN
	AttnL1       *LoFTRLayer // query tokens attend to satellite tokens
	AttnL2       *LoFTRLayer // satellite tokens attend to query tokens
	QueryMapL1   *ConvBNLeakyReLU
	RefMapL2     *ConvBNLeakyReLU
	InfoNCE      *InfoNCE
	HeadBlock    *ConvBNLeakyReLU
	HeadConv     *nn.Conv2d
	training     bool
	// DropRng drives dropout and drop-path; dropSrc is its state, saved in
	// checkpoints so a resumed run draws the same masks.
	DropRng *rand.Rand
	dropSrc *rand.PCG
}

// NewModel builds a model with PyTorch's default initialisation drawn from seed.
// (ImageNet-pretrained backbones come from importing their checkpoints.)
func NewModel(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x4841_4c4f))
	src := rand.NewPCG(seed, 0xd409)
	m := &Model{Cfg: cfg, training: true, DropRng: rand.New(src), dropSrc: src}
	e := cfg.Emb
	w := cfg.ResNetWidths
	m.QueryResNet = NewResNet(rng, w, cfg.ResNetBlocks)
	m.RefLSKNet = NewLSKNet(rng, cfg.LSKDims, cfg.LSKDepths, cfg.LSKMLPRatios, cfg.DropRate, cfg.DropPathRate, m.DropRng)
	m.CombineClick = NewConvBNLeakyReLU(rng, 4, 3, 1, 1, 0)
	m.FPNQuery = NewFPN(rng, w[1], w[2], w[3], e)
	m.FPNSat = NewFPN(rng, cfg.LSKDims[1], cfg.LSKDims[2], cfg.LSKDims[3], e)
	m.Children = nn.Children{{Name: "query_resnet", M: m.QueryResNet}, {Name: "reference_lsknet", M: m.RefLSKNet},
		{Name: "combine_clickptns_conv", M: m.CombineClick}, {Name: "fpn_query", M: m.FPNQuery}, {Name: "fpn_sat", M: m.FPNSat}}
	if cfg.OfficialExtras {
		m.Children = append(m.Children, officialExtrasBefore(rng)...)
	}
	m.AttnL1 = NewLoFTRLayer(rng, e, cfg.Heads)
	m.AttnL2 = NewLoFTRLayer(rng, e, cfg.Heads)
	m.QueryMapL1 = NewConvBNLeakyReLU(rng, e, e, 1, 1, 0)
	m.RefMapL2 = NewConvBNLeakyReLU(rng, e, e, 1, 1, 0)
	m.Children = append(m.Children, nn.Child{Name: "sat_selfattn_l1", M: m.AttnL1}, nn.Child{Name: "sat_selfattn_l2", M: m.AttnL2},
		nn.Child{Name: "query_mapping_visu_l1", M: m.QueryMapL1}, nn.Child{Name: "reference_mapping_visu_l2", M: m.RefMapL2})
	if cfg.OfficialExtras {
		m.Children = append(m.Children,
			nn.Child{Name: "query_mapping_visu", M: NewConvBNLeakyReLU(rng, e, e, 3, 2, 1)},
			nn.Child{Name: "reference_mapping_visu", M: NewConvBNLeakyReLU(rng, e, e, 1, 1, 0)})
	}
	m.InfoNCE = NewInfoNCE(rng, e, cfg.ProjDim)
	m.HeadBlock = NewConvBNLeakyReLU(rng, e, e/2, 1, 1, 0)
	m.HeadConv = conv(rng, e/2, 9*5, 1, 1, 0, true)
	m.Children = append(m.Children, nn.Child{Name: "InfoNCE_sem_serial", M: m.InfoNCE},
		nn.Child{Name: "fcn_out", M: nn.NewSequential(m.HeadBlock, m.HeadConv)})
	return m, nil
}

// officialExtrasBefore returns the unused official sub-modules registered between
// fpn_sat and sat_selfattn_l1: feat_trans (a 4-layer LoFTR transformer of width 256)
// and feature_cluster (four ClassBlocks whose Linear 256->256 the forward skips).
func officialExtrasBefore(rng *rand.Rand) []nn.Child {
	var layers []nn.Module
	for range 4 {
		layers = append(layers, NewLoFTRLayer(rng, 256, 8))
	}
	classBlock := func() nn.Module {
		return nn.Children{{Name: "add_block", M: nn.NewSequential(nn.NewLinear(rng, 256, 256, true))}}
	}
	cluster := nn.Children{{Name: "classifier1", M: classBlock()}}
	for i := 1; i <= 3; i++ {
		cluster = append(cluster, nn.Child{Name: "classifier_heat" + strconv.Itoa(i), M: classBlock()})
	}
	return []nn.Child{
		{Name: "feat_trans", M: nn.Children{{Name: "layers", M: nn.NewSequential(layers...)}}},
		{Name: "feature_cluster", M: cluster},
	}
}

// SetTraining switches BatchNorm, dropout and drop-path between training and
// inference behaviour, and whether Forward computes the InfoNCE branch.
func (m *Model) SetTraining(train bool) {
	m.training = train
	m.Children.SetTraining(train)
}

// RNGState returns the state of the dropout generator.
func (m *Model) RNGState() ([]byte, error) { return m.dropSrc.MarshalBinary() }

// SetRNGState restores a state returned by RNGState.
func (m *Model) SetRNGState(b []byte) error { return m.dropSrc.UnmarshalBinary(b) }

// Anchors returns the anchor list for this model's satellite size. The official
// anchors are in pixels of a 1024 image and the official code keeps them so whatever
// --img_size is; here they scale with SatSize so that smaller presets see anchors of
// the same relative size. At paper size (1024) they are exactly the official ones.
func (m *Model) Anchors() [][2]float32 {
	a := Anchors()
	if m.Cfg.SatSize == 1024 {
		return a
	}
	s := float32(m.Cfg.SatSize) / 1024
	for i := range a {
		a[i][0] *= s
		a[i][1] *= s
	}
	return a
}

// Training reports the mode.
func (m *Model) Training() bool { return m.training }

// Output is what one forward pass returns.
type Output struct {
	// Boxes: the head's raw output [B, 45, G, G] (anchor*5 + tx, ty, tw, th, conf).
	Boxes *autograd.Tensor
	// Attn: the cross-view attention map [B, G, G] in [0, 1].
	Attn *autograd.Tensor
	// InfoNCE: the contrastive loss (training mode only, else nil).
	InfoNCE *autograd.Tensor
	// QueryDesc, SatDesc: the 512-d (ProjDim) normalised descriptors used by InfoNCE
	// and by hard-sample mining; set when Descriptors was requested or in training.
	QueryDesc, SatDesc *autograd.Tensor
	// Acts holds intermediate activations by the official module names when
	// requested (for parity tests and inspection).
	Acts map[string]*autograd.Tensor
}

// ForwardOpts selects optional outputs.
type ForwardOpts struct {
	Activations bool // fill Output.Acts
	Descriptors bool // compute the InfoNCE descriptors in eval mode too (hard-sample mining)
}

// Forward runs the network: query [B,3,Hq,Wq], click heatmap [B,Hq,Wq] (or
// [B,1,Hq,Wq]), satellite [B,3,S,S].
func (m *Model) Forward(query, click, sat *autograd.Tensor, o ForwardOpts) (*Output, error) {
	if err := m.checkInputs(query, click, sat); err != nil {
		return nil, err
	}
	out := &Output{}
	act := func(name string, t *autograd.Tensor) {
		if o.Activations {
			if out.Acts == nil {
				out.Acts = map[string]*autograd.Tensor{}
			}
			out.Acts[name] = t
		}
	}
	// rel releases intermediates once dead (release.go), except those handed out in
	// Output.Acts.
	rel := func(ts ...*autograd.Tensor) {
		if !o.Activations {
			release(ts...)
		}
	}
	b := query.Shape[0]
	click = autograd.Reshape(click, b, 1, query.Shape[2], query.Shape[3])
	qc := autograd.Concat(1, query, click)
	click.Release() // the view only: the caller's heatmap stays
	q := m.CombineClick.Forward(qc)
	qc.Release()
	act("combine_clickptns_conv", q)
	x2, x3, x4 := m.QueryResNet.Forward(q)
	rel(q)
	act("query_resnet.0", x2)
	act("query_resnet.1", x3)
	act("query_resnet.2", x4)
	qf := m.FPNQuery.Forward(x2, x3, x4)
	rel(x2, x3, x4)
	act("fpn_query", qf)
	m.RefLSKNet.Checkpoint, m.RefLSKNet.Samplewise = m.checkpointer()
	s := m.RefLSKNet.Forward(sat)
	for i, t := range s {
		act("reference_lsknet."+strconv.Itoa(i), t)
	}
	sf := m.FPNSat.Forward(s[1], s[2], s[3])
	rel(s[:]...)
	act("fpn_sat", sf)

	hq, wq := qf.Shape[2], qf.Shape[3]
	hs, ws := sf.Shape[2], sf.Shape[3]
	tq := PositionTokens(qf) // toTokens(AddPositionEncoding(qf)), fused
	rel(qf)
	ts := PositionTokens(sf)
	rel(sf)
	aq := m.AttnL1.Forward(tq, ts) // [B, Lq, C]
	act("sat_selfattn_l1", aq)
	fq := fromTokens(aq, hq, wq)
	nq := m.QueryMapL1.Forward(fq)
	fq.Release()
	act("query_mapping_visu_l1", nq)
	nqr := autograd.Reshape(nq, b, m.Cfg.Emb, hq*wq)
	rel(nq)
	gq := autograd.Mean(nqr, 2, false)
	nqr.Release()
	as := m.AttnL2.Forward(ts, tq) // [B, Ls, C]
	release(tq, ts)
	act("sat_selfattn_l2", as)
	fs := fromTokens(as, hs, ws)
	ns := m.RefMapL2.Forward(fs)
	fs.Release()
	act("reference_mapping_visu_l2", ns)
	ctx, attn := CrossViewFusion(gq, ns)
	rel(gq, ns)
	act("crossview_fusionmodule_1.1", attn)
	h := m.HeadBlock.Forward(ctx)
	ctx.Release()
	act("fcn_out.0", h)
	out.Boxes = m.HeadConv.Forward(h)
	rel(h)
	out.Attn = autograd.Reshape(attn, b, hs, ws)
	rel(attn)

	if m.training || o.Descriptors {
		fq0, fq1, fq2, _ := ClusterFeatures(aq)
		fs0, fs1, fs2, _ := ClusterFeatures(as)
		act("feature_cluster.qry.0", fq0)
		act("feature_cluster.qry.1", fq1)
		act("feature_cluster.qry.2", fq2)
		act("feature_cluster.sat.0", fs0)
		act("feature_cluster.sat.1", fs1)
		act("feature_cluster.sat.2", fs2)
		out.QueryDesc = m.InfoNCE.Embed([3]*autograd.Tensor{fq0, fq1, fq2})
		out.SatDesc = m.InfoNCE.Embed([3]*autograd.Tensor{fs0, fs1, fs2})
		rel(fq0, fq1, fq2, fs0, fs1, fs2)
		if m.training {
			out.InfoNCE = m.InfoNCE.Loss(out.QueryDesc, out.SatDesc)
		}
	}
	rel(aq, as)
	return out, nil
}

func (m *Model) checkInputs(query, click, sat *autograd.Tensor) error {
	if len(query.Shape) != 4 || query.Shape[1] != 3 {
		return fmt.Errorf("halo: query must be [B,3,H,W], got %v", query.Shape)
	}
	b, hq, wq := query.Shape[0], query.Shape[2], query.Shape[3]
	if hq%32 != 0 || wq%32 != 0 {
		return fmt.Errorf("halo: query size %dx%d must be a multiple of 32", hq, wq)
	}
	if autograd.Numel(click.Shape) != b*hq*wq {
		return fmt.Errorf("halo: click heatmap %v does not match query %v", click.Shape, query.Shape)
	}
	if len(sat.Shape) != 4 || sat.Shape[0] != b || sat.Shape[1] != 3 || sat.Shape[2]%32 != 0 || sat.Shape[3]%32 != 0 {
		return fmt.Errorf("halo: satellite must be [%d,3,S,S] with S a multiple of 32, got %v", b, sat.Shape)
	}
	if sat.Shape[2]/16 > 256 || sat.Shape[3]/16 > 256 || hq/16 > 256 || wq/16 > 256 {
		return fmt.Errorf("halo: inputs too large for the 256x256 position encoding")
	}
	return nil
}
