# Import cycles between folders of src/ (Tarjan SCC over folder-level imports; src/ root files are their own nodes).
# python3 scripts/check-folder-cycles.py src [top]   — 'top' collapses subfolders into their top-level folder
import os,re,sys,collections
root=sys.argv[1]
edges=collections.defaultdict(set)
for d,_,fs in os.walk(root):
    for f in fs:
        if not f.endswith('.ts'): continue
        p=os.path.join(d,f); src=os.path.relpath(d,root)
        if src=='.': src=f[:-3]
        if src=='index': continue
        for m in re.finditer(r"""(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]""",open(p).read()):
            t=m.group(1) or m.group(2)
            tgt=os.path.relpath(os.path.dirname(os.path.normpath(os.path.join(d,t))),root)
            tf=os.path.normpath(os.path.join(d,t))
            if tgt=='.': tgt=os.path.basename(tf).rsplit('.',1)[0]
            if tgt!=src: edges[src].add(tgt)
# tarjan
idx={};low={};st=[];on=set();res=[];c=[0]
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges.get(v,()):
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: res.append(comp)
if len(sys.argv)>2 and sys.argv[2]=="top":
    e2=collections.defaultdict(set)
    for a,bs in edges.items():
        for b in bs:
            ta,tb=a.split("/")[0],b.split("/")[0]
            if ta!=tb: e2[ta].add(tb)
    edges=e2
for v in list(edges):
    if v not in idx: sc(v)
print("folder cycles:",res if res else "none")
