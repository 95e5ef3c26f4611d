"""A held-out safeguarding set, written fresh for issue #11 and committed before the product was run on it.

Nothing here was used to tune engines/safeguarding.py or any baseline: the
passages were written without looking at the engine's patterns, and this file
was committed before bench/safeguarding.py ever scored it (see git log). Tune
only on bench/data/safeguarding_passages.py (the dev set).

CLEAR holds clear disclosures in the six categories the engine flags; ORDINARY
holds everyday probation talk that borrows the same words and must not flag.
`garble` makes a deterministic ASR-style form of each passage with its own
confusion table (not the one the dev set uses, so ASR tolerance tuned on the
dev garbler is not rewarded for free): homophones and split words, misheard
numbers, dropped short words, no punctuation, all lowercase.
"""
from __future__ import annotations

import random
import re
import zlib

CLEAR = {
    "self_harm": [
        "I've started cutting my legs again where nobody can see, it's the only thing that calms me down.",
        "Most nights I think about taking my own life, I've even worked out how.",
        "I've been stockpiling my sleeping tablets for a month so I can take them all at once.",
        "I don't want to live any more, I can't see a way out of this.",
        "Last week I put a belt round my neck in the wardrobe but the rail snapped.",
        "I've been punching walls until my knuckles split, I want it to hurt.",
        "Sometimes I drive really fast on the motorway hoping I'll crash and not come back.",
        "I took thirty paracetamol on Tuesday and didn't tell anyone, I was sick for days.",
        "I keep a razor blade in my wallet in case it gets too much.",
        "I've been telling myself everyone would be happier if I was dead.",
        "I want to die, that's the truth of it, I'm just too tired to carry on.",
        "I scratched my arms until they bled in the toilets at the job centre.",
        "I've written a note and given my dog to my sister, I think it's nearly time.",
        "The thoughts of killing myself won't go away, they're there every morning.",
        "I drank a bottle of vodka with my pills on purpose, I wanted not to wake up.",
        "I've been starving myself and making myself sick as a punishment.",
        "I stood on the edge of the multi-storey car park last month and nearly went over.",
        "If my kids get taken off me I'll end my life, I've already decided.",
        "I burn my wrists with a lighter when the memories come back.",
        "I looked up how many of my tablets it would take to stop my heart.",
        "I've tried to kill myself three times this year and I'll probably try again.",
        "I hate myself so much that I hurt myself most days, I hide it with long sleeves.",
    ],
    "child_harm": [
        "My sister's boyfriend slaps her boys around the head when they're noisy, they're four and seven.",
        "My daughter told me her uncle comes into her room at night and touches her.",
        "Nobody feeds the kids next door, I've seen them going through the bins for food.",
        "When I'm drunk I grab my son by the neck, I know it's wrong but I can't stop.",
        "He beats my little girl with a slipper if she wets the bed.",
        "My ex leaves our baby alone in the flat while she goes to score.",
        "Some older men have been picking my fifteen-year-old up from school and giving her alcohol.",
        "My partner burnt my son's hand on the cooker to teach him a lesson.",
        "The kids have been living with no electricity and no food for a fortnight, they're filthy and hungry.",
        "There's a lad of thirteen on my road who's being made to carry drugs and he's scared of them.",
        "My stepson has marks on his back from where his dad whips him with a cable.",
        "My mum's new fella makes my little sister sit on his lap and she cries afterwards.",
        "I shook my daughter so hard when she was screaming that her head hit the cot.",
        "My boy is being kept off school and locked in the shed when he misbehaves.",
        "A man online has been sending my son money to send him photos of himself undressed.",
        "My girlfriend punches her kids when she's on a comedown, the youngest is two.",
        "I left my children with a man I knew had convictions for hurting kids, and now they're scared of him.",
        "The baby's got a broken arm and my partner told the hospital she fell, but he did it.",
        "My eleven-year-old nephew is being beaten by his dad every weekend, he showed me the bruising.",
        "My neighbour's toddler is left strapped in a buggy all day while they sleep off the drink.",
        "My friend's lad is being sold to older men for drugs, he's only fourteen.",
        "I hit my kids with whatever's in my hand when I lose it, last time it was a phone charger.",
    ],
    "domestic_abuse": [
        "My husband kicked me in the stomach when I was pregnant and said he'd do it again.",
        "He puts his hands round my neck when we argue until I can't breathe.",
        "My partner won't give me any of my own money and I have to beg him for bus fare.",
        "She smashed a plate over my head and then told the neighbours I fell.",
        "He says if I go to the police he'll have the kids taken off me and I'll never see them.",
        "My boyfriend tracks my phone and goes mad if I'm five minutes late home.",
        "He broke my nose at Christmas and I told the hospital I walked into a door.",
        "My wife locks me out of the house in my boxers when she's angry and hits me with the door.",
        "I'm not allowed out without him, he even sits outside the toilet when I'm in there.",
        "My ex punched me until I blacked out and now he's been released and is asking where I live.",
        "He forces me to have sex when I don't want to, he says it's my job as his girlfriend.",
        "My partner threw boiling water at me because I answered him back.",
        "He smashed my phone so I couldn't call anyone and kept me in the bedroom all night.",
        "My girlfriend bites and scratches me and threatens to say I attacked her if I tell.",
        "He told me he'd pour acid on my face if I ever looked at another man.",
        "My fella drags me round by my hair when he's had a drink.",
        "He took my passport and my bank card and says I owe him for living in his house.",
        "My husband keeps a list of everything I do wrong and punishes me for each one.",
        "I've got bruises all up my arms from where he holds me down, I'm frightened to go back tonight.",
        "My partner pushed me down the stairs last month and I lost the baby.",
        "My ex keeps sending me messages saying he's watching me and knows what I'm wearing.",
        "He chokes me in my sleep and laughs about it in the morning.",
    ],
    "threat": [
        "I'm going to find the man who hurt my daughter and I'm going to kill him.",
        "If the hostel manager kicks me out I'll come back and cut him up.",
        "I've told my ex's new bloke I'll break both his legs and I'm going to do it.",
        "I want to hurt the woman at the job centre who sanctioned me, I know what time she leaves.",
        "A gang said they'll stab my little brother if I don't pay back what I owe.",
        "I'm going to set fire to my landlord's house with him asleep inside.",
        "There's a lad who owes me money and I'm going to put him in hospital this weekend.",
        "I've been thinking about shooting my old cellmate, I know someone who can get me a gun.",
        "If the social take my kids I'll go round to that social worker's house and make her suffer.",
        "He said he'll put a bullet in me if I give evidence at his trial.",
        "I keep picturing smashing a bottle into my dad's face, and I will when I see him.",
        "My neighbour's going to get a hammer to his head if his dog barks one more time, I mean it.",
        "They sent me a photo of my mum's front door and said she's next if I grass.",
        "I'm going to run that cyclist over next time he shouts at me, I've been waiting for him.",
        "I told my probation officer I'd kill her if she sent me back and I wasn't joking.",
        "I've got a list of the people who put me away and I'm going to get them one by one.",
        "The men I owe said they'll cut off my fingers if I'm short again on Friday.",
        "I want to stab the lad who bullied my son, I've been sitting outside his house at night.",
        "If I see my ex in town I'll glass her, she's got it coming.",
        "Someone put a note through my door saying they'll burn me out if I don't leave the area.",
        "I'm so angry with my brother I'm going to beat him to death when he gets out.",
        "I've started following the man who attacked me and I'm going to hurt him badly.",
    ],
    "new_offence": [
        "I've been nicking from the self-checkout at the supermarket most weeks, my officer doesn't know.",
        "Me and my cousin have been stealing catalytic converters off cars at night.",
        "I'm growing cannabis in the loft to sell, it's the only money I've got.",
        "I broke into my neighbour's shed on Sunday and sold his bike.",
        "I punched a bouncer on Friday night and ran off before the police came.",
        "I've been claiming benefits under my brother's name while he's inside.",
        "I've started carrying a blade again when I go into town.",
        "I've been driving with no insurance and no licence every day this month.",
        "I took a woman's purse off the table in the cafe last week and spent what was in it.",
        "I've been selling coke to the lads at work on the side.",
        "I smashed up my ex's car with a brick last night.",
        "I'm letting a dealer use my flat to cook up and store his stuff, he pays my rent.",
        "I went back to the house I'm banned from on my licence and had a fight with him.",
        "I've been breaking into cars on the retail park to get money for gear.",
        "I forged my work experience letter for probation, the company doesn't exist.",
        "I lamped a lad in the pub on Saturday and he needed stitches, nobody's reported it yet.",
        "I've got a stolen moped in my mate's garage that I've been riding about.",
        "Last month I sold my prescription to a girl at the hostel and bought heroin with it.",
        "I've been shoplifting meat from the butchers and selling it round the pubs.",
        "I've been contacting my victim on a new account even though there's an order against it.",
        "I robbed the corner shop with a friend two weeks ago, we had our faces covered.",
        "I've been hiding a gun at my flat for a lad I know.",
    ],
    "immediate_danger": [
        "He's in the next room now with a hammer and he's saying he's going to kill me, please send someone.",
        "I've just swallowed the whole packet, I'm sitting in the car and it's starting to work.",
        "I'm on the roof of the flats right now and I'm going to jump when I finish this.",
        "My baby's not breathing properly and her dad won't let me call an ambulance.",
        "They're outside my door right now, three of them, and one's got a machete.",
        "I've cut my wrists and there's a lot of blood, I don't think I can stop it.",
        "He's poured petrol through the letterbox and I'm stuck upstairs with the kids.",
        "I'm recording this because I'm going to hang myself tonight, the rope is up.",
        "My mate's gone blue after injecting and he's not waking up.",
        "He's got my daughter in the car and he's saying he's going to drive us both into the river.",
        "I'm sat by the railway line now and the next train is in ten minutes.",
        "He's just said he'll be back in an hour to finish me off, I'm hiding in the bathroom.",
        "My neighbour's kids are screaming and he's hitting them right now, I can hear it through the wall.",
        "I've turned the gas on and I'm just waiting now, I've sealed the door.",
        "I'm going to kill him tonight when he comes back from the pub, I've got the knife ready.",
        "I've taken a load of pills and drunk a bottle of gin in the last half hour, everything's spinning.",
        "He's strangling my mum downstairs right now, she's stopped screaming.",
        "There's a little girl locked in the flat below with no adults, she's been crying since yesterday and there's smoke.",
        "I've got the tablets in my hand now and there's nobody to stop me this time.",
        "My partner's holding a knife to my throat, he's in the kitchen, please help me.",
        "Someone's broken in and they're coming up the stairs, I'm hiding with my son in the wardrobe.",
        "I'm standing on the bridge over the motorway and I'm climbing over the railing now.",
    ],
}

# Everyday probation talk that uses the same words; none of it discloses a current risk.
ORDINARY = [
    "Heroin took ten years of my life and I won't give it another day.",
    "They could send me back if I mess up, so I don't take any chances now.",
    "My son is nine and he's mad about dinosaurs.",
    "I could kill for a cup of tea, the waiting room was freezing.",
    "My daughter's seven on Saturday and I've got her a bike.",
    "I used to cut myself off from everyone, now I go to the Tuesday group.",
    "The drugs nearly killed me but I've been clean for two years.",
    "I stabbed a lad when I was seventeen and I think about his family every day, that's why I do the restorative course.",
    "My officer asked me about self-harm at my first appointment, it's a standard question.",
    "The film was about a woman who leaves an abusive husband, it made me think about my mum.",
    "I'm dying for a smoke after that meeting.",
    "My kids are my world, I'd never lay a finger on them.",
    "The hostel staff search our rooms for knives, it's just the rules.",
    "I got done for shoplifting back in 2016, it was a different life.",
    "I batter the punch bag at the boxing club three times a week.",
    "My partner is strict about bedtimes for the kids, she's a good mum.",
    "I was suicidal when I first went inside but the chaplain helped me through it.",
    "My little lad fell off the climbing frame and broke his arm, he's fine now.",
    "That comedian killed it last night, I was crying laughing.",
    "I'm on a tag till March, I've got to be in by seven.",
    "My ex and me share the kids every other weekend, it works.",
    "My brother overdosed in 2018 and that's what made me get clean.",
    "I'm scared I'll go back to using when things get hard, so I ring my sponsor.",
    "The baby kept us up all night, she's teething.",
    "I'm going to smash it at the interview tomorrow.",
    "I shot up for years, now I show new lads the needle exchange and the recovery cafe.",
    "My mum controls the family purse, she always has, it's a running joke.",
    "My girlfriend threatened to bin my old trainers, they stink.",
    "I've been feeling low but my GP changed my tablets and it's helping.",
    "Someone hanged himself on my wing when I was inside, I still get flashbacks.",
    "My officer said there's a risk I'll lose my flat if I don't pay the arrears, so I've set up a payment plan.",
    "The kids were hungry after football so we got chips.",
    "I got in a fight at school when I was fourteen and that was the start of it.",
    "My partner checks the bank app because we're saving for a holiday.",
    "I'm dead on my feet after a twelve-hour shift.",
    "We did a session on knife crime and the lads were quiet after.",
    "Back in the day I'd rob anything, I was a nightmare.",
    "I hit a wall in week three of the course but I kept going.",
    "My daughter is thirteen and wants to be a vet.",
    "If I breach my order I know they'll recall me, so I'm careful.",
    "The police knocked on my door to return my stolen bike, they'd found it.",
    "My son is six and he's just lost his first tooth.",
    "My nan used to say she'd kill me if I came home muddy.",
    "I drank a bottle of wine a night for years, now it's fizzy water.",
    "I'm done with the old crowd, I cut all of them off.",
    "I wanted to die when my mum passed, years back, but I've come through it.",
    "The group talks about domestic violence and what coercive control looks like.",
    "My little girl gets scared of thunder so she gets in with me.",
    "The doctor gave me painkillers for my knee and they make me sleepy.",
    "I nearly lost my life in a car crash when I was twenty.",
    "I took a beating in the ring on Friday but I won on points.",
    "My officer is strict but fair, she'd send me back if I deserved it.",
    "I've been taking my tablets every morning like I'm supposed to.",
    "We lost our house in a fire when I was a kid and I was in care after that.",
    "My kids' dad has them this week while I'm on nights.",
    "I served six years for supply and I've been out and straight for three.",
    "My cousin was stabbed outside a club last year, it shook the whole family up.",
    "I'm terrified of spiders, my daughter has to take them outside.",
    "I've got a knife block in the kitchen now I've got my own flat, feels like a proper home.",
    "I'm going to murder a curry after this.",
    "I'm not allowed near my old estate on my licence conditions, which is probably for the best.",
    "I hurt my back lifting crates at the warehouse.",
    "My son's school rang because he'd been fighting in the playground, we talked it through.",
    "I used to want to hurt people who wronged me, the course taught me to walk away.",
    "The baby's four months now and sleeping through.",
    "I'm burning the candle at both ends with work and college.",
    "Years ago my ex used to hit me, but I've been safe for a long time and I'm in a good place.",
    "I'm in danger of failing my maths if I don't revise.",
    "I gave my victim awareness talk to the group and it went well.",
    "My mate got sent back for missing appointments, it was a wake-up call.",
    "My daughter's boyfriend is a nice lad, he works at the garage.",
    "I got a caution for cannabis when I was nineteen.",
    "I'm sick of the bus being late for my appointments.",
    "My dog went for the postman once, now he's muzzled on walks.",
    "I used to be in a gang, I mentor kids to keep them out now.",
    "My partner shouts at the telly during the football, that's about it.",
    "My son is twelve and taller than me already.",
    "I had a panic attack in the supermarket but I used my breathing.",
    "The worker said the kids are doing well and the case is closing.",
    "I'm gutted I missed the bus, but I rang ahead.",
    "The pills I was on for depression made me put on weight.",
    "Everyone in my family has been inside at some point, I want to break that.",
    "I'm going to kill two birds with one stone and do my shopping after this.",
    "I used to carry a blade for protection when I was young, I'd never now.",
    "My girlfriend and I had a row about money but we talked it through.",
    "The chef at work says he'll kill me if I burn the toast again, he's a laugh.",
    "I've been off the drink six months and my kids notice.",
    "My little brother's going through a rough patch at school, I'm helping him with homework.",
    "They might send me to a different hostel, closer to work.",
    "I was in a dark place last winter but the walking group got me out of it.",
    "My nine-year-old reads to me now, it's the best part of my day.",
    "My partner locks the door at night because of the break-ins round here.",
    "Prison nearly broke me, but it's behind me now.",
    "The lads joke that my cooking will poison someone one day.",
    "I get angry sometimes but I go for a run and it passes.",
    "I was charged with assault in 2012, it's all on my record.",
    "My daughter got burnt on the oven door last year, kids learn fast.",
    "My son wants to join the army when he's older.",
    "I lost a lot of weight when I was using, I'm healthy now.",
    "I'm desperate to get back to work, I hate sitting at home.",
    "The hospital kept me in overnight for my chest but it was nothing serious.",
    "My ex still texts about the kids' school stuff, we're civil.",
    "I used to self-medicate with weed, now I talk to a counsellor instead.",
    "Someone at the cafe dropped a pan and I jumped out of my skin.",
    "I'm done with crime, I've got too much to lose.",
    "My mum hit the roof when I got my ear pierced.",
    "I've got my driving test next week, fingers crossed.",
    "I'd die of embarrassment if my kids saw my old mugshot.",
]

# How a recogniser mishears these words; a separate table from the dev set's garbler.
HOMOPHONES = {
    "myself": "my shelf", "suicide": "sue aside", "tablets": "tablet", "pills": "bills",
    "kill": "kilt", "killing": "kilning", "die": "dye", "dead": "dad", "hang": "hank",
    "cutting": "cotton", "cut": "cot", "blade": "played", "razor": "raiser", "knife": "night",
    "stab": "stabbed", "hurt": "heart", "harm": "arm", "overdose": "over those",
    "paracetamol": "paracetamol's", "strangling": "strand ling", "throat": "throw",
    "neck": "next", "bruises": "brewers", "bruising": "brewing", "punches": "punchers",
    "beats": "beets", "beat": "beet", "hits": "hit's", "slaps": "slabs", "touches": "toches",
    "abuse": "a views", "threw": "through", "burn": "bern", "burnt": "burned", "gun": "gone",
    "shooting": "shouting", "machete": "machetti", "petrol": "patrol", "rope": "robe",
    "bridge": "fridge", "jump": "jumped", "breathing": "breeding", "blood": "blood's",
    "ambulance": "ambulances", "police": "please", "dealer": "dealing", "coke": "cook",
    "cannabis": "canopies", "heroin": "heroine", "gear": "year", "nicking": "knicking",
    "stealing": "steeling", "robbed": "rob", "shoplifting": "shop lifting", "weed": "we'd",
    "grass": "glass", "glass": "grass", "hammer": "hamper", "nine": "dying", "four": "for",
    "two": "to", "eight": "ate", "fifteen": "fifty", "thirteen": "thirty", "fourteen": "forty",
    "eleven": "seven", "seven": "heaven", "six": "sticks", "thirty": "thirteen", "ten": "then",
}
NUMBER_WORDS = {"2": "to", "4": "for", "9": "dying", "12": "twelfth", "13": "thirty", "15": "fifty"}
SHORT_WORDS = {"a", "the", "i", "to", "and", "of", "is", "it", "my", "me", "in", "on", "at", "so"}


def garble(text: str, seed: int | None = None, strength: float = 0.6) -> str:
    """Deterministic ASR-style form: lowercase, no punctuation, homophones, misheard numbers, dropped short words.

    The random stream is seeded from the text itself (crc32), or from `seed`, so the
    same passage always garbles the same way on every machine.
    """
    rng = random.Random(zlib.crc32(text.encode()) if seed is None else seed)
    words = re.sub(r"[^\w\s'-]", " ", text.lower()).replace("-", " ").split()
    out = []
    for word in words:
        bare = word.strip("'")
        if bare in SHORT_WORDS and rng.random() < 0.12 * strength:
            continue  # the recogniser swallowed a short word
        if bare in HOMOPHONES and rng.random() < strength:
            out.extend(HOMOPHONES[bare].split())
        elif bare in NUMBER_WORDS and rng.random() < strength:
            out.append(NUMBER_WORDS[bare])
        elif bare.isdigit() and rng.random() < strength:
            out.append(str(int(bare) + rng.choice([-1, 1, 10])))  # "2016" heard as "2017"
        else:
            out.append(word)
    return " ".join(out)


def heldout_set() -> list[dict]:
    """Every passage, written and garbled: {"text", "gold" (category or None), "form" ("written" / "asr")}."""
    items = [(t, c) for c, texts in CLEAR.items() for t in texts] + [(t, None) for t in ORDINARY]
    out = []
    for text, gold in items:
        out.append({"text": text, "gold": gold, "form": "written", "half": "new held-out"})
        out.append({"text": garble(text), "gold": gold, "form": "asr", "half": "new held-out"})
    return out
