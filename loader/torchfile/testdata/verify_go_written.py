# Checks that go_written_mixed.pth (written by torchfile.Write, see write_test.go) loads in
# real PyTorch with the expected content. Run after regenerating it with `go test -update`:
#   cd loader/torchfile/testdata && /usr/bin/python3 verify_go_written.py
import collections
import torch

d = torch.load("go_written_mixed.pth")
assert list(d) == ["epoch", "state_dict", "annotations", "misc"], list(d)
assert d["epoch"] == 3
sd = d["state_dict"]
assert type(sd) is collections.OrderedDict
w = sd["module.fc.weight"]
assert w.dtype == torch.float32 and w.shape == (2, 3)
assert torch.equal(w, torch.tensor([[1, -2, 3.5], [0, 1e-3, 7]], dtype=torch.float32))
wt = sd["module.fc.weight_t"]
assert wt.stride() == (1, 3) and torch.equal(wt, w.t())
assert wt.storage().data_ptr() == w.storage().data_ptr(), "shared storage lost"
n = sd["module.bn.num_batches_tracked"]
assert n.dtype == torch.int64 and n.shape == () and n.item() == 12
ann = d["annotations"]
assert ann[0] == (7, "q/0007.jpg", "s/0007.png", (511, 0), (1023, 999), [1.5, 2.0, 300.25, 400.0],
                  [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "church"), ann[0]
assert ann[1][7] == "ünïcode"
assert d["misc"] == (None, True, False, -1, 1 << 40, 1 << 80, 2.5, b"\x00\xc8", {1}), d["misc"]
m = torch.nn.Linear(3, 2, bias=False)
m.load_state_dict({"weight": w})
print("ok: torch", torch.__version__, "loads go_written_mixed.pth")
