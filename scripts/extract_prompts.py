"""Golden prompts and parses from the DSR Suite's LLM stages, taken from the reference source.

Usage: /usr/bin/python3 scripts/extract_prompts.py REPO CURATE_OUT NONTEMP_OUT
  REPO: a checkout of TencentARC/DSR_Suite (or Tiamat-Tech/DSR_Suite)
  e.g.  /usr/bin/python3 scripts/extract_prompts.py /tmp/DSR_Suite \
            pipeline/curate/testdata/reference.json pipeline/nontemp/testdata/reference.json

Nothing is copied by hand: the prompt expressions (f-strings, .format calls), the parsing
functions and conditions are found in the reference files with ast and evaluated on sample
inputs, so the goldens are the reference's own strings and decisions.
"""
import ast
import json
import sys

REPO, CURATE_OUT, NONTEMP_OUT = sys.argv[1:4]


def tree(path):
    return ast.parse(open(f"{REPO}/{path}").read())


def ev(node, env):
    return eval(compile(ast.Expression(node), "<ref>", "eval"), dict(env))


def user_content(t):
    """The 'content' value of the dict whose 'role' is 'user'."""
    for n in ast.walk(t):
        if isinstance(n, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in n.keys]
            if "role" in keys and "content" in keys:
                role = n.values[keys.index("role")]
                if isinstance(role, ast.Constant) and role.value == "user":
                    return n.values[keys.index("content")]
    raise SystemExit("no user message")


def system_content(t):
    for n in ast.walk(t):
        if isinstance(n, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in n.keys]
            if "role" in keys and ast.literal_eval(n.values[keys.index("role")]) == "system":
                return ast.literal_eval(n.values[keys.index("content")])


def function(t, name):
    for n in ast.walk(t):
        if isinstance(n, ast.FunctionDef) and n.name == name:
            ns = {}
            exec(compile(ast.Module(body=[n], type_ignores=[]), "<ref>", "exec"), ns)
            return ns[name]


def assigned(t, name):
    for n in ast.walk(t):
        if isinstance(n, ast.Assign) and any(isinstance(x, ast.Name) and x.id == name for x in n.targets):
            return n.value


class Resp:
    """A requests.Response stand-in for the reference's conditions."""
    status_code = 200

    def __init__(self, text):
        self.text = text

    def json(self):
        return {"choices": [{"message": {"content": self.text}}]}


CAPTIONS = ["A man rides a bike past two dogs.", 'She says "hi" — naïve café, 3 cars.', ""]
REPLIES = ["yes", "no", "Thinking...\nyes", "yes\nno", "Yes", "yes, no doubt", "maybe\n", "\nyes", "yes\n",
           "person.dog\nbike.ball", "person\n\nball\n", "None\nNone", "  person  \n ball ", "one line",
           "a\nb\nc", "   \nball", "yes\nSports & Recreation", "no\nArt Performance",
           "yes\nNature&Wildlife", "yes\nSports & Recreation\n", "noyes\nArt Performance"]

cur = {}
# deepseek_motion.py
t = tree("data/deepseek_motion.py")
content = user_content(t)
cur["system"] = system_content(t)
cur["motion_prompts"] = [{"caption": c, "prompt": ev(content, {"caption": c})} for c in CAPTIONS]
cond = next(n.test for n in ast.walk(t) if isinstance(n, ast.If) and "yes" in ast.unparse(n.test))
cur["motion_keep"] = [{"reply": r, "keep": bool(ev(cond, {"response": Resp(r)}))} for r in REPLIES]
# deepseek_agent.py
t = tree("data/deepseek_agent.py")
content = user_content(t)
assert system_content(t) == cur["system"]
cur["agent_prompts"] = [{"caption": c, "prompt": ev(content, {"caption": c})} for c in CAPTIONS]
split_output = function(t, "split_output")
cur["agent_split"] = [{"reply": r, "parts": split_output(r)} for r in REPLIES]
# gemini_motion.py: the cells go through the reference's own preprocessing statements.
t = tree("data/gemini_motion.py")
prompt = assigned(t, "prompt")
classes = ast.literal_eval(assigned(t, "video_classes"))
cur["video_classes"] = classes
fn = next(n for n in ast.walk(t) if isinstance(n, ast.FunctionDef) and n.name == "video_collect")
try_body = next(n for n in ast.walk(fn) if isinstance(n, ast.Try)).body
ifs = [n for n in try_body if isinstance(n, ast.If) and "isna" in ast.unparse(n.test)]  # agent, obj


class PD:
    @staticmethod
    def isna(x):
        return x is None


video_prompts = []
for agent, obj in [("Person.Dog", "Bike.Ball"), ("person", None), ("man.horse", "rock")]:
    env = {"agent": agent, "obj": obj, "pd": PD, "video_classes": classes}
    for n in ifs:
        # the agent branch's "continue" never runs here (agent is never NaN)
        mod = ast.Module(body=n.orelse if "agent" in ast.unparse(n.test) else [n], type_ignores=[])
        exec(compile(mod, "<ref>", "exec"), env)
    video_prompts.append({"agent": agent, "obj": obj, "prompt": ev(prompt, env)})
cur["video_prompts"] = video_prompts
# gemini's decision: split, retry unless 2 lines, "no" in [0] drops, "yes" in [0] keeps under [1].
video_parse = []
for r in REPLIES:
    parts = r.split("\n")
    if len(parts) != 2:
        video_parse.append({"reply": r, "valid": False})
        continue
    if "no" in parts[0]:
        out = {"reply": r, "valid": True, "keep": False}
    elif "yes" in parts[0]:
        out = {"reply": r, "valid": True, "keep": parts[1] in classes, "category": parts[1]}
    else:
        out = {"reply": r, "valid": True, "keep": False}
    video_parse.append(out)
cur["video_parse"] = video_parse

non = {}
t = tree("data/qa_nontemp.py")
content = user_content(t)
non["system"] = system_content(t)
samples = [
    {"agent": "camera", "obj_coords": {"person with initial bounding box coordinates [10,20,30,40]": [[1.0, -0.5, 0.25], [1.1, -0.4, 0.2500000001]],
                                       "dog with initial bounding box coordinates [1,2,3,4]": [[2.0, 1e-05, 123456789.0], [2.5, 1234567890123456789.0, -0.0]]},
     "time_s": 0.3, "time_e": 1.25, "timestamps_tmp": [0.3, 0.6, 1.0, 1.2]},
    {"agent": "person with bounding box coordinates [5,6,70,80] at 0.5s", "obj_coords": {"ball with initial bounding box coordinates [0,0,9,9]": [[0.1 + 0.2, 1 / 3, 2.675]]},
     "time_s": 1.05, "time_e": 2.0, "timestamps_tmp": [1.0, 1.5, 2.0]},
]
non["prompts"] = [dict(s, prompt=ev(content, {**s, "str": str})) for s in samples]
for s in non["prompts"]:
    s["obj_coords_str"] = str(s["obj_coords"])
    s["names"], s["coords"] = list(s["obj_coords"]), list(s["obj_coords"].values())  # JSON objects lose order in Go
# The QA the reference builds from a reply: its filtering and its two Question f-strings.
fn = next(n for n in ast.walk(t) if isinstance(n, ast.FunctionDef) and n.name == "generate_multi_videos")
appends = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "append" and isinstance(n.args[0], ast.Dict)]
filt = next(n.value for n in ast.walk(fn) if isinstance(n, ast.Assign) and isinstance(n.value, ast.ListComp))
qa_replies = ["Where does the dog go?\nA. Left\nB. Right\nC. Up\nD. Down\nB",
              "\n\nWHICH object Moves first?\n\nA) ball\nB) dog\n C) cat\nD) none\n(C)\n",
              "q\na\nb\nc\nd", "q\na\nb\nc\nd\ne\nf", "q\na\n \nc\nd\nA"]
non["qa"] = []
for r in qa_replies:
    output = ev(filt, {"output": r.split("\n")})
    row = {"reply": r, "lines": output, "valid": len(output) == 6}
    if row["valid"]:
        env = {"output": output, "agent": "camera", "time_s": 0.3, "time_e": 1.25}
        for a in appends:
            qa = ev(a.args[0], env)
            row["rel" if qa["Question"].startswith("Following") else "abs"] = qa
    non["qa"].append(row)
for path, obj in [(CURATE_OUT, cur), (NONTEMP_OUT, non)]:
    with open(path, "w") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")
