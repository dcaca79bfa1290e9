#!/usr/bin/env python3
"""Writes assets/demo/demo.ldif: a fictional company for adphoto's offline demo directory.

Everyone here is invented. Photos are drawn avatars (ImageMagick), not pictures of people.
Run from the repo root: python3 assets/demo/make-demo.py  (needs /usr/bin/convert).
"""
import base64, hashlib, subprocess, uuid, os

BASE = "DC=demo,DC=example"
OUS = [
    "OU=Head Office", "OU=Finance,OU=Head Office", "OU=People,OU=Head Office",
    "OU=IT,OU=Head Office", "OU=Helpdesk,OU=IT,OU=Head Office",
    "OU=Sales", "OU=North,OU=Sales", "OU=South,OU=Sales", "OU=Warehouse",
]
# (ou, given, sn, title, department, photo?)
PEOPLE = [
    ("OU=Head Office", "Amelia", "Hart", "Managing Director", "Management", True),
    ("OU=Head Office", "Oskar", "Lindqvist", "Office Manager", "Management", False),
    ("OU=Finance,OU=Head Office", "Renée", "Fournier", "Head of Finance", "Finance", True),
    ("OU=Finance,OU=Head Office", "Tomasz", "Zieliński", "Accountant", "Finance", False),
    ("OU=Finance,OU=Head Office", "Grace", "Okafor", "Payroll Officer", "Finance", True),
    ("OU=Finance,OU=Head Office", "Liam", "O'Sullivan", "Controller", "Finance", False),
    ("OU=People,OU=Head Office", "Sofía", "Castillo", "HR Business Partner", "People", True),
    ("OU=People,OU=Head Office", "Hannah", "Schröder", "Recruiter", "People", False),
    ("OU=People,OU=Head Office", "Arjun", "Mehta", "Learning Lead", "People", False),
    ("OU=IT,OU=Head Office", "Nora", "Virtanen", "IT Manager", "IT", True),
    ("OU=IT,OU=Head Office", "Felix", "Bauer", "Systems Engineer", "IT", False),
    ("OU=IT,OU=Head Office", "Aisha", "Rahman", "Network Engineer", "IT", True),
    ("OU=Helpdesk,OU=IT,OU=Head Office", "Jonas", "Berg", "Helpdesk Lead", "IT", True),
    ("OU=Helpdesk,OU=IT,OU=Head Office", "Chloé", "Lefèvre", "Helpdesk Analyst", "IT", False),
    ("OU=Helpdesk,OU=IT,OU=Head Office", "Mateo", "Silva", "Helpdesk Analyst", "IT", False),
    ("OU=Sales", "Isabelle", "Moreau", "Sales Director", "Sales", True),
    ("OU=North,OU=Sales", "Erik", "Johansson", "Account Manager", "Sales", False),
    ("OU=North,OU=Sales", "Siobhan", "Kelly", "Account Manager", "Sales", True),
    ("OU=North,OU=Sales", "Jan", "Novák", "Sales Engineer", "Sales", False),
    ("OU=North,OU=Sales", "Maja", "Kowalska", "Account Executive", "Sales", False),
    ("OU=North,OU=Sales", "John", "Smith", "Account Executive", "Sales", False),
    ("OU=South,OU=Sales", "John", "Smith", "Regional Manager", "Sales", True),
    ("OU=South,OU=Sales", "Lucía", "Fernández", "Account Manager", "Sales", False),
    ("OU=South,OU=Sales", "Kwame", "Mensah", "Account Manager", "Sales", True),
    ("OU=South,OU=Sales", "Elif", "Yılmaz", "Sales Assistant", "Sales", False),
    ("OU=South,OU=Sales", "Zoë", "Ashworth", "Inside Sales", "Sales", False),
    ("OU=Warehouse", "Bogdan", "Popescu", "Warehouse Manager", "Logistics", True),
    ("OU=Warehouse", "Mia", "Horvat", "Logistics Planner", "Logistics", False),
    ("OU=Warehouse", "Ravi", "Iyer", "Forklift Operator", "Logistics", False),
    ("OU=Warehouse", "Ana", "Sousa", "Dispatcher", "Logistics", False),
    ("OU=Warehouse", "Pieter", "de Vries", "Stock Controller", "Logistics", False),
    ("OU=Warehouse", "Ngozi", "Eze", "Quality Inspector", "Logistics", True),
]
SKIN = ["#f1c27d", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#d9a066"]
HAIR = ["#2b1b0e", "#5a3825", "#a0522d", "#d4b483", "#1c1c1c", "#7b5b3a", "#b5651d"]
BG = ["#cfe3f7", "#d8f0d2", "#f7e1cf", "#e6dcf5", "#f5d6dc", "#d6eef0"]
SHIRT = ["#33658a", "#86bbd8", "#2f4858", "#f26419", "#6a994e", "#9b5de5", "#4a4e69"]


def sam(given, sn, taken):
    import unicodedata
    base = (given[0] + sn).lower()
    base = unicodedata.normalize("NFKD", base.replace("ł", "l"))
    base = "".join(c for c in base if c.isalnum() and ord(c) < 128)
    s, n = base, 2
    while s in taken:
        s, n = f"{base}{n}", n + 1
    taken.add(s)
    return s


def avatar(seed):
    h = hashlib.sha256(seed.encode()).digest()
    pick = lambda arr, i: arr[h[i] % len(arr)]
    bg, skin, hair, shirt = pick(BG, 0), pick(SKIN, 1), pick(HAIR, 2), pick(SHIRT, 3)
    long_hair = h[4] % 2 == 0
    draw = [
        "-fill", shirt, "-draw", "ellipse 48,104 34,30 0,360",
        "-fill", skin, "-draw", "rectangle 42,58 54,74",
    ]
    if long_hair:
        draw += ["-fill", hair, "-draw", "roundrectangle 27,22 69,72 14,14"]
    draw += [
        "-fill", skin, "-draw", "ellipse 48,44 17,21 0,360",
        "-fill", hair, "-draw", "ellipse 48,34 19,15 180,360",
        "-fill", "#3b2f2f", "-draw", "circle 41,44 41,46", "-draw", "circle 55,44 55,46",
        "-stroke", "#8a4b3c", "-strokewidth", "1.5", "-fill", "none", "-draw", "arc 42,50 54,58 20,160",
    ]
    cmd = ["/usr/bin/convert", "-size", "96x96", f"xc:{bg}"] + draw + [
        "-strip", "-sampling-factor", "4:2:0", "-quality", "85", "jpeg:-"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def line(name, value):
    if isinstance(value, bytes) or not value.isascii() or value.startswith((" ", ":", "<")):
        raw = value if isinstance(value, bytes) else value.encode()
        return f"{name}:: {base64.b64encode(raw).decode()}"
    return f"{name}: {value}"


def fold(s):
    out, first = [], True
    while len(s) > (76 if first else 75):
        n = 76 if first else 75
        out.append(s[:n]); s = s[n:]; first = False
    out.append(s)
    return "\n ".join(out)


def main():
    recs = [[line("dn", BASE), "objectClass: top", "objectClass: domain", "objectClass: domainDNS", "dc: demo"]]
    for ou in OUS:
        name = ou.split(",")[0][3:]
        recs.append([line("dn", f"{ou},{BASE}"), "objectClass: top", "objectClass: organizationalUnit", line("ou", name)])
    recs.append([line("dn", f"CN=Users,{BASE}"), "objectClass: top", "objectClass: container", "cn: Users"])
    taken = set()
    for i, (ou, given, sn, title, dept, has_photo) in enumerate(PEOPLE):
        s = sam(given, sn, taken)
        cn = f"{given} {sn}"
        dn = f"CN={cn},{ou},{BASE}"
        rec = [line("dn", dn), "objectClass: top", "objectClass: person", "objectClass: organizationalPerson",
               "objectClass: user", line("cn", cn), line("givenName", given), line("sn", sn),
               line("displayName", cn), line("sAMAccountName", s), line("userPrincipalName", f"{s}@demo.example"),
               line("mail", f"{s}@demo.example"), f"employeeID: D{1001 + i}", f"employeeNumber: {5001 + i}",
               line("title", title), line("department", dept),
               "objectGUID:: " + base64.b64encode(uuid.uuid5(uuid.NAMESPACE_DNS, dn).bytes_le).decode()]
        if has_photo:
            rec.append(line("thumbnailPhoto", avatar(dn)))
        recs.append(rec)
    recs.append([line("dn", f"CN=Acme Supplies (contact),OU=Sales,{BASE}"), "objectClass: top", "objectClass: person",
                 "objectClass: contact", "cn: Acme Supplies (contact)", "mail: orders@acme.example"])
    recs.append([line("dn", f"CN=WH-PC07,OU=Warehouse,{BASE}"), "objectClass: top", "objectClass: person",
                 "objectClass: organizationalPerson", "objectClass: user", "objectClass: computer",
                 "cn: WH-PC07", "sAMAccountName: WH-PC07$"])
    header = ("# adphoto demo directory: a fictional company. Every person here is invented;\n"
              "# the photos are drawn avatars. Regenerate with assets/demo/make-demo.py.\n"
              "version: 1\n\n")
    text = header + "\n\n".join("\n".join(fold(l) for l in r) for r in recs) + "\n"
    path = os.path.join(os.path.dirname(__file__), "demo.ldif")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {path}: {len(PEOPLE)} people")


if __name__ == "__main__":
    main()
